using Microsoft.AspNetCore.Mvc;
using RecoveryAssist.Server.Hosting;

namespace RecoveryAssist.Server.Features.Web.Pages;

internal sealed class LoginModel : WebPage
{
    public string? ReturnUrl { get; private set; }

    public string? UserNameInput { get; private set; }

    /// <summary>The password was right but the account's code was missing: the password is asked again, with the code.</summary>
    public bool CodeNeeded { get; private set; }

    public IActionResult OnGet(string? returnUrl)
    {
        ReturnUrl = LocalOrHome(returnUrl);
        if (User.Identity?.IsAuthenticated == true)
            return Redirect(ReturnUrl);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string? userName, string? password, string? totpCode, string? returnUrl)
    {
        ReturnUrl = LocalOrHome(returnUrl);
        UserNameInput = userName;
        if (string.IsNullOrWhiteSpace(userName) || string.IsNullOrEmpty(password))
        {
            Error = "Give your user name and password.";
            return Page();
        }
        try
        {
            var user = await WebSignIn.SignInAsync(HttpContext, userName, password, totpCode);
            if (user.MustChangePassword)
                return Redirect("/password?returnUrl=" + Uri.EscapeDataString(ReturnUrl));
            return HttpContext.RequestServices.GetRequiredService<Auth.TotpService>().MustEnrol(user) ? Redirect("/totp") : Redirect(ReturnUrl);
        }
        catch (ProblemException e)
        {
            CodeNeeded = e.Code == Auth.UserService.TotpRequired;
            Error = e.Status == StatusCodes.Status423Locked ? e.Message
                : CodeNeeded ? "Give the code of your authenticator app too."
                : "The user name, password or code is not right.";
            Response.StatusCode = e.Status == StatusCodes.Status423Locked ? e.Status : StatusCodes.Status401Unauthorized;
            return Page();
        }
    }

    /// <summary>Only a path on this appliance: never an open redirect.</summary>
    internal static string LocalOrHome(string? url) =>
        url is { Length: > 0 } && url[0] == '/' && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal) ? url : "/";
}
