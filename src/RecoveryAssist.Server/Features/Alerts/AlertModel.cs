namespace RecoveryAssist.Server.Features.Alerts;

/// <summary>What happened. Each kind has one severity (<see cref="AlertCatalog"/>) and, where the appliance can see it clear, a way to resolve by itself (<see cref="AlertClearing"/>).</summary>
internal enum AlertKind
{
    HostKeyMismatch,
    UnparseableOutput,
    RecoveryIdMismatch,
    HostUnreachable,
    HostNeverBack,
    BackupFailed,
    KeyDrift,
    IdentityChanged,
    EscrowAtRisk,
    JobFailed,

    /// <summary>A job waits for a person to act on the host (raised once when it starts waiting; resolved when it stops waiting).</summary>
    NeedsPerson,

    /// <summary>ESXi refused a policy change ("Unable to change the encryption mode and policy"), or the appliance did not try it because a prerequisite is unmet.</summary>
    PolicyRefused,

    /// <summary>A setting the appliance made is gone from the host (e.g. execInstalledOnly lost to a power cut before it was saved).</summary>
    SettingLost,

    /// <summary>A rotated key runs on the host but its save was not confirmed: a reboot would bring the old key back.</summary>
    RotationNotSaved,

    /// <summary>The same recovery key is escrowed for more than one host.</summary>
    SameKeyOnSeveralHosts,
}

internal enum AlertSeverity
{
    /// <summary>Worth a look during working hours.</summary>
    Info,

    /// <summary>Someone should look today.</summary>
    Warning,

    /// <summary>Someone must act within minutes: a key or a save is at stake, or a host may be impersonated.</summary>
    Critical,
}

/// <summary>An alert's life: open, then acknowledged by a person (optional), then resolved (by a person or by itself).</summary>
internal enum AlertState
{
    Open,
    Acknowledged,
    Resolved,
}

/// <summary>What a change to an alert was (what notification channels are told).</summary>
internal enum AlertEvent
{
    Opened,
    Acknowledged,
    Resolved,
    Test,
}

internal static class AlertCatalog
{
    /// <summary>The severity of every kind: routing and the notifications use it.</summary>
    public static AlertSeverity Severity(AlertKind kind) => kind switch
    {
        AlertKind.HostKeyMismatch or AlertKind.RecoveryIdMismatch or AlertKind.HostNeverBack or AlertKind.BackupFailed or AlertKind.KeyDrift
            or AlertKind.EscrowAtRisk or AlertKind.RotationNotSaved or AlertKind.SameKeyOnSeveralHosts or AlertKind.SettingLost => AlertSeverity.Critical,
        AlertKind.UnparseableOutput or AlertKind.HostUnreachable or AlertKind.IdentityChanged or AlertKind.JobFailed or AlertKind.NeedsPerson
            or AlertKind.PolicyRefused => AlertSeverity.Warning,
        // A new kind must be given a severity here: left to a default it would reach no channel set to warning and up.
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "this alert kind has no severity yet"),
    };

    /// <summary>The API's name of a kind (camelCase, as in JSON).</summary>
    public static string Name(AlertKind kind) => char.ToLowerInvariant(kind.ToString()[0]) + kind.ToString()[1..];

    public static string Name(AlertSeverity severity) => severity.ToString().ToLowerInvariant();

    public static string Name(AlertState state) => state.ToString().ToLowerInvariant();

    public static bool TryParseKind(string text, out AlertKind kind) => Enum.TryParse(text, ignoreCase: true, out kind) && Enum.IsDefined(kind);

    public static bool TryParseSeverity(string text, out AlertSeverity severity) => Enum.TryParse(text, ignoreCase: true, out severity) && Enum.IsDefined(severity);
}

/// <summary>One alert, as stored: one per host and kind while it is not resolved (a repeat counts, it does not add a record).</summary>
internal sealed class AlertRecord
{
    public Guid Id { get; set; }

    public AlertKind Kind { get; set; }

    public AlertState State { get; set; }

    public Guid HostId { get; set; }

    public string HostName { get; set; } = "";

    /// <summary>The job that raised it last.</summary>
    public Guid? JobId { get; set; }

    /// <summary>The last message (redacted).</summary>
    public string Message { get; set; } = "";

    public DateTime FirstSeen { get; set; }

    public DateTime LastSeen { get; set; }

    /// <summary>How many times it was raised while not resolved.</summary>
    public int Count { get; set; }

    public DateTime? Acknowledged { get; set; }

    public string? AcknowledgedBy { get; set; }

    public string? AcknowledgeNote { get; set; }

    public DateTime? Resolved { get; set; }

    public string? ResolvedBy { get; set; }

    public string? ResolveNote { get; set; }

    [LiteDB.BsonIgnore]
    public AlertSeverity Severity => AlertCatalog.Severity(Kind);
}

internal sealed record AlertView(
    Guid Id, AlertKind Kind, AlertSeverity Severity, AlertState State, Guid HostId, string HostName, Guid? JobId, string Message,
    DateTime FirstSeen, DateTime LastSeen, int Count, DateTime? Acknowledged, string? AcknowledgedBy, string? AcknowledgeNote,
    DateTime? Resolved, string? ResolvedBy, string? ResolveNote)
{
    public static AlertView From(AlertRecord a) => new(a.Id, a.Kind, a.Severity, a.State, a.HostId, a.HostName, a.JobId, a.Message,
        a.FirstSeen, a.LastSeen, a.Count, a.Acknowledged, a.AcknowledgedBy, a.AcknowledgeNote, a.Resolved, a.ResolvedBy, a.ResolveNote);
}

/// <summary>A filter on the alerts list; null fields do not filter.</summary>
internal sealed record AlertQuery(AlertState? State = null, AlertKind? Kind = null, Guid? HostId = null);

/// <summary>A person's word on an alert.</summary>
internal sealed record AlertNoteInput(string? Note);

/// <summary>How many alerts of one kind are in one state (for /metrics).</summary>
internal sealed record AlertCount(AlertKind Kind, AlertSeverity Severity, AlertState State, int Count);
