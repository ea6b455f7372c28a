using RecoveryAssist.Server.Features.Auth;
using RecoveryAssist.Server.Features.Boot;

namespace RecoveryAssist.Server.Features.Web.Pages;

/// <summary>Boot images; the upload goes to the API's ISO endpoint (same sign-in), so the browser can show its progress.</summary>
[Requires(Permission.BootManage)]
internal sealed class ImagesModel(BootImages images) : WebPage
{
    public IReadOnlyList<BootImageRecord> Images { get; private set; } = [];

    public void OnGet() => Images = images.List();
}
