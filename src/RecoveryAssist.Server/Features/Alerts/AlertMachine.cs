using RecoveryAssist.Server.Features.HostOps;

namespace RecoveryAssist.Server.Features.Alerts;

/// <summary>Why a person's transition was refused (mapped to HTTP in <see cref="AlertEndpoints"/>).</summary>
internal sealed class AlertRefusedException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}

/// <summary>
/// An alert's transitions. Pure: the service loads, persists and audits. Open and acknowledged alerts
/// are "active": a raise of the same host and kind counts on the active one. A resolved alert never
/// reopens; the next raise opens a new one.
/// </summary>
internal static class AlertMachine
{
    public const int MaxNoteLength = 500;
    public const int MaxMessageLength = 1000;

    /// <summary>A new alert, or the active one counted again (its message and job the latest).</summary>
    /// <returns>True when a new alert was opened.</returns>
    public static bool Raise(AlertRecord? active, AlertKind kind, Guid hostId, string hostName, Guid? jobId, string message, DateTime now, out AlertRecord alert)
    {
        var text = Redaction.Truncate(Redaction.Redact(message), MaxMessageLength);
        if (active is { State: not AlertState.Resolved })
        {
            active.Count++;
            active.LastSeen = now;
            active.Message = text;
            active.JobId = jobId ?? active.JobId;
            active.HostName = hostName;
            alert = active;
            return false;
        }
        alert = new AlertRecord
        {
            Id = Guid.NewGuid(),
            Kind = kind,
            State = AlertState.Open,
            HostId = hostId,
            HostName = hostName,
            JobId = jobId,
            Message = text,
            FirstSeen = now,
            LastSeen = now,
            Count = 1,
        };
        return true;
    }

    /// <exception cref="AlertRefusedException">The alert is not open, or the note is missing or too long.</exception>
    public static void Acknowledge(AlertRecord alert, string person, string? note, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var text = Note(note, required: true);
        if (alert.State != AlertState.Open)
            throw new AlertRefusedException("alert-not-open", $"Alert {alert.Id} is {AlertCatalog.Name(alert.State)}: only an open alert can be acknowledged.");
        alert.State = AlertState.Acknowledged;
        alert.Acknowledged = now;
        alert.AcknowledgedBy = person;
        alert.AcknowledgeNote = text;
    }

    /// <summary>A person resolves an alert (open or acknowledged).</summary>
    /// <exception cref="AlertRefusedException">The alert is already resolved, or the note is missing or too long.</exception>
    public static void Resolve(AlertRecord alert, string person, string? note, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var text = Note(note, required: true);
        if (alert.State == AlertState.Resolved)
            throw new AlertRefusedException("alert-resolved", $"Alert {alert.Id} was already resolved by {alert.ResolvedBy}.");
        Close(alert, person, text, now);
    }

    /// <summary>The condition cleared: the appliance resolves the alert itself, saying why.</summary>
    public static void Clear(AlertRecord alert, string reason, DateTime now) => Close(alert, SystemActor, reason, now);

    public const string SystemActor = "system";

    private static void Close(AlertRecord alert, string by, string note, DateTime now)
    {
        alert.State = AlertState.Resolved;
        alert.Resolved = now;
        alert.ResolvedBy = by;
        alert.ResolveNote = note;
    }

    private static string Note(string? note, bool required)
    {
        var text = note?.Trim() ?? "";
        if (required && text.Length == 0)
            throw new AlertRefusedException("invalid-note", "note: say what was done or why (one line).");
        if (text.Length > MaxNoteLength || text.Any(char.IsControl))
            throw new AlertRefusedException("invalid-note", $"note: at most {MaxNoteLength} characters, on one line.");
        // A person may paste output with a key in it: notes are redacted like messages.
        return Redaction.Redact(text);
    }
}
