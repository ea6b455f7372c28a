namespace RecoveryAssist.Server.Features.Alerts;

/// <summary>Alerts' log messages, event ids 7600-7699. Identifiers and redacted messages only: never a key, a password or a token.</summary>
internal static partial class AlertsLog
{
    [LoggerMessage(EventId = 7600, Level = LogLevel.Warning, Message = "Alert {Kind} ({Severity}) on host {Host} (job {JobId}), seen {Count} time(s): {Message}")]
    public static partial void Raised(ILogger logger, AlertKind kind, AlertSeverity severity, string host, Guid? jobId, int count, string message);

    [LoggerMessage(EventId = 7601, Level = LogLevel.Information, Message = "Alert {AlertId} ({Kind}) on host {Host} is now {State} (by {Actor})")]
    public static partial void Changed(ILogger logger, Guid alertId, AlertKind kind, string host, AlertState state, string actor);

    [LoggerMessage(EventId = 7602, Level = LogLevel.Warning, Message = "Notification of alert {AlertId} through channel {Channel} failed (attempt {Attempt}, next in {RetryIn}): {Error}")]
    public static partial void DeliveryFailed(ILogger logger, Guid alertId, string channel, int attempt, TimeSpan? retryIn, string error);

    [LoggerMessage(EventId = 7603, Level = LogLevel.Error, Message = "Notification of alert {AlertId} through channel {Channel} given up after {Attempts} attempts: {Error}")]
    public static partial void DeliveryAbandoned(ILogger logger, Guid alertId, string channel, int attempts, string error);

    [LoggerMessage(EventId = 7604, Level = LogLevel.Debug, Message = "Notification of alert {AlertId} delivered through channel {Channel}")]
    public static partial void Delivered(ILogger logger, Guid alertId, string channel);

    [LoggerMessage(EventId = 7605, Level = LogLevel.Information, Message = "Alert channel {Channel} ({Type}) {Change} by {Actor}")]
    public static partial void ChannelChanged(ILogger logger, string channel, string type, string change, string actor);

    [LoggerMessage(EventId = 7606, Level = LogLevel.Error, Message = "Alert delivery pass failed")]
    public static partial void DeliveryPassFailed(ILogger logger, Exception exception);
}
