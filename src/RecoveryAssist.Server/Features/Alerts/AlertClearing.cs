using RecoveryAssist.Server.Features.HostOps;

namespace RecoveryAssist.Server.Features.Alerts;

/// <summary>
/// Which active alerts a finished job clears, and why. Pure. A job that succeeded clears what it
/// raised itself; it proves the host answers with its pinned key; a confirmed save clears failed
/// saves; an escrowed key clears a key at risk; a later success of the same kind of job clears that
/// kind's failures. What only a person can judge (a changed key, identity or Recovery ID, a key
/// shared with another host) stays, even when the job that saw it succeeded: the job going on is
/// not an answer. A job that stops waiting, however it ends, clears its "needs a person".
/// </summary>
internal static class AlertClearing
{
    private static readonly StepKind[] SaveSteps = [StepKind.BackupNow, StepKind.BackupBefore, StepKind.BackupAfter];
    private static readonly StepKind[] EscrowSteps = [StepKind.CollectKeys, StepKind.EscrowRotated, StepKind.VerifyEscrow, StepKind.RecollectKey];
    private static readonly AlertKind[] PersonJudges = [AlertKind.KeyDrift, AlertKind.IdentityChanged, AlertKind.RecoveryIdMismatch, AlertKind.SameKeyOnSeveralHosts];

    /// <param name="kindOf">The kind of the job that raised an alert (null when unknown).</param>
    /// <returns>The reason an alert cleared, or null when it stays.</returns>
    public static string? Reason(AlertRecord alert, JobRecord job, Func<Guid, JobKind?> kindOf)
    {
        ArgumentNullException.ThrowIfNull(alert);
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(kindOf);
        if (alert.HostId != job.HostId || alert.State == AlertState.Resolved)
            return null;
        if (alert.Kind == AlertKind.NeedsPerson && alert.JobId == job.Id && job.Attention is null)
            return $"job {job.Id} no longer waits for a person ({JobText(job.State)})";
        if (job.State != JobState.Succeeded || PersonJudges.Contains(alert.Kind))
            return null;
        var done = $"{job.Kind} job {job.Id} succeeded";
        if (alert.JobId == job.Id)
            return done;
        bool Ran(StepKind[] kinds) => job.Steps.Any(s => kinds.Contains(s.Kind) && s.State == StepState.Succeeded);
        return alert.Kind switch
        {
            AlertKind.HostUnreachable or AlertKind.HostNeverBack or AlertKind.HostKeyMismatch => $"{done}: the host answered with its pinned host key",
            AlertKind.BackupFailed or AlertKind.RotationNotSaved when Ran(SaveSteps) => $"{done}: its save was confirmed",
            AlertKind.EscrowAtRisk when Ran(EscrowSteps) => $"{done}: the host's key was read and escrowed",
            AlertKind.JobFailed or AlertKind.UnparseableOutput or AlertKind.PolicyRefused or AlertKind.SettingLost
                when alert.JobId is { } raisedBy && kindOf(raisedBy) == job.Kind => $"{done} after the failure",
            _ => null,
        };
    }

    private static string JobText(JobState state) => state switch
    {
        JobState.Succeeded => "it succeeded",
        JobState.Failed => "it failed",
        JobState.Cancelled => "it was cancelled",
        _ => "it goes on",
    };
}
