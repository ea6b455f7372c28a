namespace RecoveryAssist.Server.Features.HostOps;

/// <summary>Host operations' log messages, event ids 7000-7099. Identifiers only: never a key, a password or raw list output.</summary>
internal static partial class HostOpsLog
{
    [LoggerMessage(EventId = 7000, Level = LogLevel.Information, Message = "Job {JobId} ({Kind}) created for host {Host} by {Actor}")]
    public static partial void JobCreated(ILogger logger, Guid jobId, JobKind kind, string host, string actor);

    [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "Job {JobId} resumed after a restart at step {Step} (host {Host})")]
    public static partial void JobResumed(ILogger logger, Guid jobId, StepKind step, string host);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Debug, Message = "Job {JobId} step {Step} attempt {Attempt} started (host {Host})")]
    public static partial void StepStarted(ILogger logger, Guid jobId, StepKind step, int attempt, string host);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Warning, Message = "Job {JobId} step {Step} attempt {Attempt} failed on host {Host}: {Message}")]
    public static partial void StepFailed(ILogger logger, Guid jobId, StepKind step, int attempt, string host, string message);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Information, Message = "Job {JobId} ({Kind}) on host {Host} ended {State}")]
    public static partial void JobFinished(ILogger logger, Guid jobId, JobKind kind, string host, JobState state);

    [LoggerMessage(EventId = 7006, Level = LogLevel.Information, Message = "Host {Host}: host key pinned on first contact (SHA256:{Fingerprint})")]
    public static partial void KeyPinned(ILogger logger, string host, string fingerprint);

    [LoggerMessage(EventId = 7007, Level = LogLevel.Information, Message = "Host {Host}: rotation found already done on resume; new key escrowed as version {Version}")]
    public static partial void RotationFoundDone(ILogger logger, string host, int version);

    [LoggerMessage(EventId = 7008, Level = LogLevel.Information, Message = "Scheduler started {Count} {Kind} job(s)")]
    public static partial void Scheduled(ILogger logger, int count, JobKind kind);

    [LoggerMessage(EventId = 7009, Level = LogLevel.Error, Message = "Job {JobId} on host {Host} stopped by an unexpected error")]
    public static partial void JobCrashed(ILogger logger, Exception exception, Guid jobId, string host);

    [LoggerMessage(EventId = 7011, Level = LogLevel.Error, Message = "Job {JobId} step {Step} on host {Host} failed with an unexpected error")]
    public static partial void StepCrashed(ILogger logger, Exception exception, Guid jobId, StepKind step, string host);

    [LoggerMessage(EventId = 7012, Level = LogLevel.Information, Message = "Job {JobId} waits at step {Step} for a person on host {Host}: {Attention}")]
    public static partial void JobNeedsPerson(ILogger logger, Guid jobId, StepKind step, string host, string attention);

    [LoggerMessage(EventId = 7010, Level = LogLevel.Error, Message = "Scheduler pass failed")]
    public static partial void SchedulerFailed(ILogger logger, Exception exception);
}
