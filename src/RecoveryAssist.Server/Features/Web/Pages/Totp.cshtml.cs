using Microsoft.AspNetCore.Mvc;
using RecoveryAssist.Server.Features.Auth;

namespace RecoveryAssist.Server.Features.Web.Pages;

/// <summary>The signed-in person's own TOTP second factor, through the same <see cref="TotpService"/> as the API.</summary>
internal sealed class TotpModel(TotpService totp, UserService users) : WebPage
{
    public bool MustEnrol => User.HasClaim(Permissions.TotpEnrolmentClaim, "true");

    public bool Enabled { get; private set; }

    /// <summary>A secret was issued and waits for its first code.</summary>
    public bool Pending { get; private set; }

    /// <summary>Set only in the answer to the enrol button: the secret is shown once.</summary>
    public TotpEnrolment? Enrolment { get; private set; }

    public void OnGet() => Load();

    public IActionResult OnPostEnrol()
    {
        Try(() => Enrolment = totp.Enrol(TotpService.CallerId(User), Actor));
        Load();
        return Page();
    }

    public IActionResult OnPostConfirm(string? code)
    {
        if (Try(() => totp.Confirm(TotpService.CallerId(User), code, Actor)))
            return Done("The second factor is on: sign-in now asks for a code.", "/");
        Load();
        return Page();
    }

    public IActionResult OnPostDisable(string? code)
    {
        if (Try(() => totp.Disable(TotpService.CallerId(User), code, Actor)))
            return Done("The second factor is off.", "/totp");
        Load();
        return Page();
    }

    private void Load()
    {
        var user = users.FindById(TotpService.CallerId(User));
        Enabled = user?.TotpEnabled == true;
        Pending = !Enabled && user?.TotpSecret is not null;
    }
}
