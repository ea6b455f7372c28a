using RecoveryAssist.Server.Features.Auth;
using RecoveryAssist.Server.Features.HostOps;
using RecoveryAssist.Server.Features.Recovery;

namespace RecoveryAssist.Server.Features.Web.Pages.Sessions;

/// <summary>The live part of the session and console pages: fetched again every few seconds until settled.</summary>
[Requires(Permission.SessionsRead)]
internal sealed class ProgressModel(RecoverySessionService sessions, HostOpsService jobs) : WebPage
{
    public RecoveryProgress Progress { get; private set; } = null!;

    public void OnGet(Guid id)
    {
        Progress = RecoveryProgress.Of(sessions.Get(id), jobs);
        if (Progress.Settled)
            Response.Headers["X-Poll"] = "done";
    }
}
