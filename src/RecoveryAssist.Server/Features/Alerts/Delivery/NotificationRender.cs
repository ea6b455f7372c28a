using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using RecoveryAssist.Server.Features.HostOps;

namespace RecoveryAssist.Server.Features.Alerts.Delivery;

/// <summary>
/// Routing and what each channel sends. Pure. Every text passes the redaction again on the way out, so
/// a key that reached a message by any path still leaves as <c>[redacted]</c>; secrets never enter a notice.
/// </summary>
internal static class NotificationRender
{
    public const string SignatureHeader = "X-RecoveryAssist-Signature";
    public const string EventHeader = "X-RecoveryAssist-Event";

    /// <summary>RFC 5424 facility local0 (16): the appliance's alerts, apart from the system's own messages.</summary>
    public const int SyslogFacility = 16;

    /// <summary>Whether a channel takes a notice: enabled, severe enough, one of its kinds, and (for acknowledged and resolved) it wants those.</summary>
    public static bool Routes(AlertChannelRecord channel, AlertNotice notice)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(notice);
        if (notice.Event == AlertEvent.Test)
            return true;
        return channel.Enabled
            && notice.Severity >= channel.MinSeverity
            && (channel.Kinds.Count == 0 || channel.Kinds.Contains(notice.Kind))
            && (notice.Event == AlertEvent.Opened || channel.SendResolved);
    }

    private static string Clean(string? text) => Redaction.Redact(text ?? "");

    public static string EventName(AlertEvent change) => change.ToString().ToLowerInvariant();

    /// <summary>The webhook body (UTF-8 JSON, camelCase, one object).</summary>
    public static byte[] WebhookBody(AlertNotice n)
    {
        ArgumentNullException.ThrowIfNull(n);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("version", "1");
            w.WriteString("event", EventName(n.Event));
            w.WriteString("at", n.At);
            w.WriteStartObject("alert");
            w.WriteString("id", n.AlertId);
            w.WriteString("kind", AlertCatalog.Name(n.Kind));
            w.WriteString("severity", AlertCatalog.Name(n.Severity));
            w.WriteString("state", AlertCatalog.Name(n.State));
            w.WriteStartObject("host");
            w.WriteString("id", n.HostId);
            w.WriteString("name", n.HostName);
            w.WriteEndObject();
            if (n.JobId is { } job)
                w.WriteString("jobId", job);
            else
                w.WriteNull("jobId");
            w.WriteString("message", Clean(n.Message));
            w.WriteNumber("count", n.Count);
            w.WriteString("firstSeen", n.FirstSeen);
            w.WriteString("lastSeen", n.LastSeen);
            if (n.By is not null)
                w.WriteString("by", n.By);
            if (n.Note is not null)
                w.WriteString("note", Clean(n.Note));
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary><c>sha256=</c> and the lower-case hex HMAC-SHA256 of the body under the channel's key.</summary>
    public static string Signature(ReadOnlySpan<byte> key, ReadOnlySpan<byte> body) => "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(key, body));

    public static string EmailSubject(AlertNotice n)
    {
        ArgumentNullException.ThrowIfNull(n);
        var what = n.Event switch
        {
            AlertEvent.Opened => "",
            AlertEvent.Test => "TEST ",
            _ => EventName(n.Event).ToUpperInvariant() + " ",
        };
        return $"[RecoveryAssist] {what}{AlertCatalog.Name(n.Severity).ToUpperInvariant()} {AlertCatalog.Name(n.Kind)} on {n.HostName}";
    }

    public static string EmailBody(AlertNotice n)
    {
        ArgumentNullException.ThrowIfNull(n);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{Clean(n.Message)}\n\n");
        text.Append(CultureInfo.InvariantCulture, $"Alert:     {n.AlertId}\n");
        text.Append(CultureInfo.InvariantCulture, $"Event:     {EventName(n.Event)}\n");
        text.Append(CultureInfo.InvariantCulture, $"Kind:      {AlertCatalog.Name(n.Kind)}\n");
        text.Append(CultureInfo.InvariantCulture, $"Severity:  {AlertCatalog.Name(n.Severity)}\n");
        text.Append(CultureInfo.InvariantCulture, $"State:     {AlertCatalog.Name(n.State)}\n");
        text.Append(CultureInfo.InvariantCulture, $"Host:      {n.HostName} ({n.HostId})\n");
        if (n.JobId is { } job)
            text.Append(CultureInfo.InvariantCulture, $"Job:       {job}\n");
        text.Append(CultureInfo.InvariantCulture, $"Seen:      {n.Count} time(s), first {n.FirstSeen:u}, last {n.LastSeen:u}\n");
        if (n.By is not null)
            text.Append(CultureInfo.InvariantCulture, $"By:        {n.By}: {Clean(n.Note)}\n");
        text.Append(CultureInfo.InvariantCulture, $"\nrecoveryassist alert ack {n.AlertId} --note \"...\"\n");
        return text.ToString();
    }

    /// <summary>One RFC 5424 message: header, one structured-data element, and the text (UTF-8 with BOM).</summary>
    public static byte[] SyslogMessage(AlertNotice n, string hostName, int processId)
    {
        ArgumentNullException.ThrowIfNull(n);
        var severity = n.Event is AlertEvent.Resolved ? 5 : n.Severity switch
        {
            AlertSeverity.Critical => 2,
            AlertSeverity.Warning => 4,
            _ => 6,
        };
        var header = string.Create(CultureInfo.InvariantCulture,
            $"<{SyslogFacility * 8 + severity}>1 {n.At.ToUniversalTime():yyyy-MM-ddTHH:mm:ss.fffZ} {Token(hostName)} recoveryassist {processId} alert ");
        var data = "[alert@32473"
            + Param("id", n.AlertId.ToString()) + Param("event", EventName(n.Event)) + Param("kind", AlertCatalog.Name(n.Kind))
            + Param("severity", AlertCatalog.Name(n.Severity)) + Param("state", AlertCatalog.Name(n.State)) + Param("host", n.HostName)
            + (n.JobId is { } job ? Param("job", job.ToString()) : "") + "]";
        var text = $"{AlertCatalog.Name(n.Kind)} on {n.HostName}: {Clean(n.Message)}" + (n.By is null ? "" : $" ({EventName(n.Event)} by {n.By}: {Clean(n.Note)})");
        return [.. Encoding.ASCII.GetBytes(header + data + " "), 0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(text)];
    }

    // HOSTNAME is PRINTUSASCII without spaces, at most 255.
    private static string Token(string value)
    {
        var token = new string(value.Where(c => c is > ' ' and < (char)127).ToArray());
        return token.Length == 0 ? "-" : token.Length > 255 ? token[..255] : token;
    }

    // PARAM-VALUE escapes '"', '\' and ']' (RFC 5424 6.3.3).
    private static string Param(string name, string value) =>
        $" {name}=\"{value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("]", "\\]", StringComparison.Ordinal)}\"";

    /// <summary>Delay before attempt <paramref name="attempt"/>+1: 1 s, doubling, at most <paramref name="max"/>.</summary>
    public static TimeSpan Backoff(int attempt, TimeSpan first, TimeSpan max) =>
        TimeSpan.FromTicks(Math.Min(max.Ticks, first.Ticks * (1L << Math.Clamp(attempt - 1, 0, 30))));
}
