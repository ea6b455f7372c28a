using Microsoft.AspNetCore.Mvc;
using RecoveryAssist.Server.Features.Auth;
using RecoveryAssist.Server.Features.Boot;
using RecoveryAssist.Server.Features.HostOps;
using RecoveryAssist.Server.Features.Recovery;

namespace RecoveryAssist.Server.Features.Web.Pages.Sessions;

[Requires(Permission.SessionsRead)]
internal sealed class ShowModel(RecoverySessionService sessions, HostOpsService jobs, BootService boot, BootImages images) : WebPage
{
    public RecoverySession Session { get; private set; } = null!;

    public RecoveryProgress Progress { get; private set; } = null!;

    public ArmingRecord? Arming { get; private set; }

    public IReadOnlyList<string> Images { get; private set; } = [];

    private bool Mine => string.Equals(Session.RequestedBy, UserName, StringComparison.OrdinalIgnoreCase);

    public bool MayApprove => Session.State == SessionState.Opened && !Mine && Can(Permission.SessionsApprove);

    public bool ShowConsole => Can(Permission.KeysReveal) && Session.Path == RecoveryPath.Console
        && Session.State is SessionState.Approved or SessionState.Revealed;

    public bool MayArm => Can(Permission.SessionsOpen) && Session.Path == RecoveryPath.Network
        && Session.State is SessionState.Approved or SessionState.Armed;

    public bool MayHostUp => Can(Permission.SessionsOpen) && Session.State is SessionState.Revealed or SessionState.Armed;

    public bool MayClose => Can(Permission.SessionsOpen) && Session.State == SessionState.HostSeenUp;

    public bool MayCancel => Can(Permission.SessionsOpen) && Session.IsOpen;

    public void OnGet(Guid id) => Load(id);

    public IActionResult OnPostApprove(Guid id) =>
        Act(id, Permission.SessionsApprove, "session.approve", () => sessions.Approve(id, Person), "Approved: the recovery may go on.");

    public IActionResult OnPostDecline(Guid id, string? reason)
    {
        // The permission before the input: a role that may not decline is refused whatever it sent.
        if (!Can(Permission.SessionsApprove))
            return SessionDenied(sessions, Permission.SessionsApprove, id, "session.decline");
        if (string.IsNullOrWhiteSpace(reason))
        {
            Error = "Say why you decline: the requester reads it.";
            Load(id);
            return Page();
        }
        return Act(id, Permission.SessionsApprove, "session.decline", () => sessions.Cancel(id, Person, "declined: " + reason.Trim()), "Declined.");
    }

    public IActionResult OnPostHostUp(Guid id) =>
        Act(id, Permission.SessionsOpen, "session.host-up", () => sessions.ReportHostUp(id, Person), "Recorded: the host is up. The key is rotated next.");

    public IActionResult OnPostClose(Guid id) =>
        Act(id, Permission.SessionsOpen, "session.close", () => sessions.Close(id, Person), "The session is closed.");

    public IActionResult OnPostCancel(Guid id, string? reason) =>
        Act(id, Permission.SessionsOpen, "session.cancel", () => sessions.Cancel(id, Person, reason), "The session is cancelled.");

    public IActionResult OnPostArm(Guid id, string? image) =>
        Act(id, Permission.SessionsOpen, "session.arm", () => boot.Arm(id, new ArmRequest(image), Person), "Armed: the host's next network boot gets the key once.");

    public IActionResult OnPostDisarm(Guid id) =>
        Act(id, Permission.SessionsOpen, "session.disarm", () => boot.Disarm(id, Person), "Disarmed.");

    private IActionResult Act(Guid id, Permission permission, string audited, Action action, string notice)
    {
        if (!Can(permission))
            return SessionDenied(sessions, permission, id, audited);
        if (Try(action))
            return Done(notice, $"/sessions/{id}");
        Load(id);
        return Page();
    }

    private void Load(Guid id)
    {
        Session = sessions.Get(id);
        Progress = RecoveryProgress.Of(Session, jobs);
        if (Session.Path == RecoveryPath.Network)
        {
            Arming = boot.GetArming(id);
            Images = images.List().Select(i => i.Id).ToList();
        }
    }
}
