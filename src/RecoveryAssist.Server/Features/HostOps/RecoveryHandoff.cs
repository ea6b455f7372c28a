using RecoveryAssist.Server.Features.Recovery;
using RecoveryAssist.Server.Hosting;

namespace RecoveryAssist.Server.Features.HostOps;

/// <summary>What host operations need from recovery sessions: the "host seen up" moment and the end of the session.</summary>
internal interface IRecoveryHandoff
{
    /// <summary>The host answered after a recovery: its revealed session moves on and the revealed key is marked used.</summary>
    /// <returns>The session's id, or null when the host has no session whose key was revealed.</returns>
    Guid? HostSeenUp(Guid hostId);

    /// <summary>Completes the session after the rotation. Returns null when done (or already done), otherwise why not.</summary>
    string? Complete(Guid sessionId, string detail);

    /// <summary>Sessions whose key was revealed or armed and whose host has not been seen up yet.</summary>
    IReadOnlyList<(Guid SessionId, Guid HostId)> AwaitingHost();
}

/// <summary>The hand-off to the recovery-session feature.</summary>
internal sealed class RecoverySessionHandoff(RecoverySessionService sessions) : IRecoveryHandoff
{
    private static readonly Person HostOps = new("system:hostops", null, null);

    public Guid? HostSeenUp(Guid hostId) => sessions.HostSeenUp(hostId, HostOps)?.Id;

    public string? Complete(Guid sessionId, string detail)
    {
        var session = sessions.Get(sessionId);
        if (session.State == SessionState.Completed)
            return null;
        try
        {
            sessions.Close(sessionId, HostOps, detail);
            return null;
        }
        catch (ProblemException e)
        {
            return $"session {sessionId} could not be completed: {e.Message}";
        }
    }

    public IReadOnlyList<(Guid SessionId, Guid HostId)> AwaitingHost() =>
        sessions.List(null, openOnly: true, 0, 1000)
            .Where(s => s.State is SessionState.Revealed or SessionState.Armed)
            .Select(s => (s.Id, s.HostId))
            .ToList();
}
