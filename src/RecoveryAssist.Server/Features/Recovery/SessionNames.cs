namespace RecoveryAssist.Server.Features.Recovery;

/// <summary>The names the API, the CLI and the audit log use: kebab-case, stable.</summary>
internal static class SessionNames
{
    private static readonly Dictionary<RecoveryReason, string> Reasons = new()
    {
        [RecoveryReason.TpmCleared] = "tpm-cleared",
        [RecoveryReason.TpmFailed] = "tpm-failed",
        [RecoveryReason.MotherboardReplaced] = "motherboard-replaced",
        [RecoveryReason.DiskMoved] = "disk-moved",
        [RecoveryReason.Other] = "other",
    };

    private static readonly Dictionary<SessionState, string> States = new()
    {
        [SessionState.Opened] = "opened",
        [SessionState.Approved] = "approved",
        [SessionState.Revealed] = "revealed",
        [SessionState.Armed] = "armed",
        [SessionState.HostSeenUp] = "host-seen-up",
        [SessionState.Completed] = "completed",
        [SessionState.Expired] = "expired",
        [SessionState.Cancelled] = "cancelled",
    };

    public static string Of(RecoveryReason reason) => Reasons[reason];

    public static string Of(SessionState state) => States[state];

    public static string Of(RecoveryPath path) => path == RecoveryPath.Console ? "console" : "network";

    public static string ReasonList => string.Join(", ", Reasons.Values);

    public static RecoveryReason? ParseReason(string? text) =>
        Reasons.FirstOrDefault(r => string.Equals(r.Value, text?.Trim(), StringComparison.OrdinalIgnoreCase)) is { Value: not null } found
            ? found.Key
            : null;

    public static RecoveryPath? ParsePath(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "console" => RecoveryPath.Console,
        "network" => RecoveryPath.Network,
        _ => null,
    };

    /// <summary>What the session waits for, in words for a technician.</summary>
    public static string Status(SessionState state) => state switch
    {
        SessionState.Opened => "awaiting approval",
        SessionState.Approved => "approved: ready to reveal",
        SessionState.Revealed => "awaiting host",
        SessionState.Armed => "armed: awaiting host",
        SessionState.HostSeenUp => "host up: awaiting key rotation",
        SessionState.Completed => "completed",
        SessionState.Expired => "expired",
        _ => "cancelled",
    };
}
