using Microsoft.AspNetCore.Mvc;
using RecoveryAssist.Server.Features.Auth;
using RecoveryAssist.Server.Features.Recovery;

namespace RecoveryAssist.Server.Features.Web.Pages.Sessions;

/// <summary>The approvals inbox (a session someone else opened, awaiting a second person) and the sessions at a glance.</summary>
[Requires(Permission.SessionsRead)]
internal sealed class IndexModel(RecoverySessionService sessions) : WebPage
{
    public IReadOnlyList<RecoverySession> Inbox { get; private set; } = [];

    public IReadOnlyList<RecoverySession> Open { get; private set; } = [];

    public IReadOnlyList<RecoverySession> Recent { get; private set; } = [];

    public void OnGet() => Load();

    public IActionResult OnPostApprove(Guid id)
    {
        if (!Can(Permission.SessionsApprove))
            return SessionDenied(sessions, Permission.SessionsApprove, id, "session.approve");
        RecoverySession? approved = null;
        if (Try(() => approved = sessions.Approve(id, Person)))
            return Done($"Approved: the recovery of {approved!.HostName} may go on.", "/sessions");
        Load();
        return Page();
    }

    public IActionResult OnPostDecline(Guid id, string? reason)
    {
        if (!Can(Permission.SessionsApprove))
            return SessionDenied(sessions, Permission.SessionsApprove, id, "session.decline");
        if (string.IsNullOrWhiteSpace(reason))
        {
            Error = "Say why you decline: the requester reads it.";
            Load();
            return Page();
        }
        RecoverySession? declined = null;
        if (Try(() => declined = sessions.Cancel(id, Person, "declined: " + reason.Trim())))
            return Done($"Declined the recovery of {declined!.HostName}.", "/sessions");
        Load();
        return Page();
    }

    private void Load()
    {
        Open = sessions.List(null, openOnly: true, 0, 200);
        Inbox = Open.Where(s => s.State == SessionState.Opened && !string.Equals(s.RequestedBy, UserName, StringComparison.OrdinalIgnoreCase)).ToList();
        Recent = sessions.List(null, openOnly: false, 0, 50).Where(s => !s.IsOpen).Take(20).ToList();
    }
}
