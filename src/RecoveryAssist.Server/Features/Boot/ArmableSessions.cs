using RecoveryAssist.Core.Keys;
using RecoveryAssist.Server.Features.Recovery;

namespace RecoveryAssist.Server.Features.Boot;

/// <summary>A recovery session as the boot flow sees it.</summary>
internal sealed record ArmableSession(Guid Id, Guid HostId, string HostName, bool IsNetworkPath, bool IsArmed, bool IsOpen, DateTime Expires);

/// <summary>
/// What the boot flow needs from recovery sessions, and nothing more: the seam between this feature
/// and Features/Recovery. The session keeps its own rules (approval, expiry, audit of every reveal).
/// </summary>
internal interface IArmableSessions
{
    /// <summary>The session (expired first when its time is up), or null.</summary>
    ArmableSession? Find(Guid sessionId);

    /// <summary>Arms an approved network-path session; throws a ProblemException when the session refuses.</summary>
    ArmableSession Arm(Guid sessionId, Person by);

    /// <summary>Reads the key for the one network boot; audited by the session as a reveal in form <c>network-boot</c>.</summary>
    RecoveryKey RevealForNetworkBoot(Guid sessionId, Person by);
}

internal sealed class RecoverySessionsAdapter(RecoverySessionService sessions) : IArmableSessions
{
    public const string RevealForm = "network-boot";

    public ArmableSession? Find(Guid sessionId)
    {
        try
        {
            return From(sessions.Get(sessionId));
        }
        catch (Hosting.ProblemException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public ArmableSession Arm(Guid sessionId, Person by) => From(sessions.Arm(sessionId, by));

    public RecoveryKey RevealForNetworkBoot(Guid sessionId, Person by) => sessions.Reveal(sessionId, by, RevealForm, null).Key;

    private static ArmableSession From(RecoverySession s) =>
        new(s.Id, s.HostId, s.HostName, s.Path == RecoveryPath.Network, s.State == SessionState.Armed, s.IsOpen, s.Expires);
}
