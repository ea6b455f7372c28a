namespace RecoveryAssist.Server.Features.HostOps;

/// <summary>
/// Runs the steps of a job kind that another feature plans (Features/Policy). <see cref="StepExecutor"/>
/// calls it inside its own error handling (host key mismatch, unreachable host, command failures and
/// unparseable output become outcomes the same way for every step), and offers it the shared reads.
/// </summary>
internal interface IJobStepHandler
{
    bool Handles(StepKind kind);

    Task<StepOutcome> ExecuteAsync(StepContext context);
}

/// <summary>When a host booted, between two bounds (see <see cref="StepExecutor.ReadBootTimeAsync"/>).</summary>
internal readonly record struct BootTime(DateTime Earliest, DateTime Latest)
{
    /// <summary>True when this boot is certainly later than <paramref name="earlierLatest"/>, an earlier read's latest bound.</summary>
    public bool IsAfter(DateTime earlierLatest) => Earliest > earlierLatest;
}

/// <param name="Host">Reading the host and recording what it reports, as the collection does.</param>
/// <param name="Cancel">Cancels waits only; commands that act always finish or time out.</param>
internal sealed record StepContext(JobRecord Job, int Index, HostSession Session, StepExecutor Host, CancellationToken Stopping, CancellationToken Cancel)
{
    public StepRecord Step => Job.Steps[Index];
}
