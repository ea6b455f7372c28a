using Microsoft.AspNetCore.Mvc;
using RecoveryAssist.Server.Features.Auth;
using RecoveryAssist.Server.Features.Boot;

namespace RecoveryAssist.Server.Features.Web.Pages;

[Requires(Permission.HostsRead)]
internal sealed class CheckInsModel(BootService boot) : WebPage
{
    public IReadOnlyList<CheckInRecord> CheckIns { get; private set; } = [];

    public void OnGet() => CheckIns = boot.ListCheckIns(false, 0, 500);

    public IActionResult OnPostBind(string mac, string? host)
    {
        if (!Can(Permission.HostsWrite))
            return Denied();
        Escrow.HostRecord? bound = null;
        if (Try(() => bound = boot.Bind(mac, new BindRequest(null, host?.Trim()), Actor)))
            return Done($"{mac} is now bound to {bound!.Name}.", "/checkins");
        OnGet();
        return Page();
    }
}
