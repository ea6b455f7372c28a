namespace RecoveryAssist.Server.Features.Policy;

/// <summary>Policy log messages, event ids 8000-8099. Identifiers only, never key material.</summary>
internal static partial class PolicyLog
{
    [LoggerMessage(EventId = 8000, Level = LogLevel.Information, Message = "Policy change on host {Host} requested by {Actor}: {Change}; job {JobId}")]
    public static partial void ChangeRequested(ILogger logger, string host, string actor, string change, Guid jobId);

    [LoggerMessage(EventId = 8001, Level = LogLevel.Warning, Message = "Policy change on host {Host} forced by {Actor} without an escrowed, recently verified key: {Reason}")]
    public static partial void Forced(ILogger logger, string host, string actor, string reason);

    [LoggerMessage(EventId = 8002, Level = LogLevel.Information, Message = "Desired policy {Scope} set by {Actor}: {Settings}")]
    public static partial void DesiredSet(ILogger logger, string scope, string actor, string settings);

    [LoggerMessage(EventId = 8003, Level = LogLevel.Warning, Message = "Job {JobId}: ESXi refused a policy change on host {Host}: {Explanation}")]
    public static partial void Refused(ILogger logger, Guid jobId, string host, string explanation);
}
