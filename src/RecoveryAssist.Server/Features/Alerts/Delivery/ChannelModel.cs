using RecoveryAssist.Server.Features.Secrets;

namespace RecoveryAssist.Server.Features.Alerts.Delivery;

internal enum ChannelType
{
    /// <summary>JSON POST, signed <c>X-RecoveryAssist-Signature: sha256=&lt;hex HMAC-SHA256 over the body&gt;</c>.</summary>
    Webhook,

    /// <summary>Email over SMTP, STARTTLS unless turned off.</summary>
    Email,

    /// <summary>RFC 5424 over UDP or a Unix datagram socket.</summary>
    Syslog,
}

/// <summary>A notification channel, as stored. Its secret (the webhook's HMAC key, the SMTP password) is sealed under the KEK and never leaves the appliance.</summary>
internal sealed class AlertChannelRecord
{
    public Guid Id { get; set; }

    public string Name { get; set; } = "";

    public ChannelType Type { get; set; }

    public bool Enabled { get; set; } = true;

    /// <summary>Routing: alerts of at least this severity.</summary>
    public AlertSeverity MinSeverity { get; set; } = AlertSeverity.Warning;

    /// <summary>Routing: only these kinds (empty: every kind).</summary>
    public List<AlertKind> Kinds { get; set; } = [];

    /// <summary>Also tell when an alert is acknowledged or resolved (Alertmanager's send_resolved).</summary>
    public bool SendResolved { get; set; } = true;

    /// <summary>Webhook: the URL (http or https).</summary>
    public string? Url { get; set; }

    /// <summary>Email: SMTP server name or address.</summary>
    public string? SmtpHost { get; set; }

    public int SmtpPort { get; set; } = 587;

    /// <summary>Email: STARTTLS required (default); off only for a relay on the appliance's own machine.</summary>
    public bool StartTls { get; set; } = true;

    /// <summary>Email: trust the server's certificate by its SHA-256 fingerprint (hex) instead of the system's CAs (a self-signed relay).</summary>
    public string? TlsCertificateSha256 { get; set; }

    public string? From { get; set; }

    public List<string> To { get; set; } = [];

    /// <summary>Email: SMTP user name (its password is the channel's secret).</summary>
    public string? UserName { get; set; }

    /// <summary>Syslog: <c>udp://host:port</c> or <c>unix:/path/to/socket</c>.</summary>
    public string? SyslogTarget { get; set; }

    public SealedKey? Secret { get; set; }

    public DateTime? LastSuccess { get; set; }

    public DateTime? LastFailure { get; set; }

    public string? LastError { get; set; }

    public int ConsecutiveFailures { get; set; }

    public string UpdatedBy { get; set; } = "";

    public DateTime Updated { get; set; }
}

/// <summary>A channel as the API takes it. <see cref="Secret"/> is write-only: absent on an update keeps the stored one.</summary>
internal sealed record AlertChannelInput(
    string? Name = null,
    string? Type = null,
    bool? Enabled = null,
    string? MinSeverity = null,
    IReadOnlyList<string>? Kinds = null,
    bool? SendResolved = null,
    string? Url = null,
    string? SmtpHost = null,
    int? SmtpPort = null,
    bool? StartTls = null,
    string? TlsCertificateSha256 = null,
    string? From = null,
    IReadOnlyList<string>? To = null,
    string? UserName = null,
    string? SyslogTarget = null,
    string? Secret = null)
{
    public override string ToString() => $"AlertChannelInput {Name} ({Type}), secret [redacted]";
}

/// <summary>A channel as the API shows it: never its secret, only whether it has one; its delivery health.</summary>
internal sealed record AlertChannelView(
    Guid Id, string Name, ChannelType Type, bool Enabled, AlertSeverity MinSeverity, IReadOnlyList<AlertKind> Kinds, bool SendResolved,
    string? Url, string? SmtpHost, int? SmtpPort, bool? StartTls, string? TlsCertificateSha256, string? From, IReadOnlyList<string> To, string? UserName,
    string? SyslogTarget, bool HasSecret, DateTime? LastSuccess, DateTime? LastFailure, string? LastError, int ConsecutiveFailures, int Pending,
    string UpdatedBy, DateTime Updated)
{
    public static AlertChannelView Of(AlertChannelRecord c, int pending)
    {
        var email = c.Type == ChannelType.Email;
        return new(c.Id, c.Name, c.Type, c.Enabled, c.MinSeverity, c.Kinds, c.SendResolved, c.Url, c.SmtpHost, email ? c.SmtpPort : null, email ? c.StartTls : null,
            c.TlsCertificateSha256, c.From, c.To, c.UserName, c.SyslogTarget, c.Secret is not null, c.LastSuccess, c.LastFailure, c.LastError, c.ConsecutiveFailures,
            pending, c.UpdatedBy, c.Updated);
    }
}

/// <summary>What a notification says: a snapshot of the alert when it changed. Redacted text only.</summary>
internal sealed class AlertNotice
{
    public Guid AlertId { get; set; }

    public AlertEvent Event { get; set; }

    public AlertKind Kind { get; set; }

    public AlertSeverity Severity { get; set; }

    public AlertState State { get; set; }

    public Guid HostId { get; set; }

    public string HostName { get; set; } = "";

    public Guid? JobId { get; set; }

    public string Message { get; set; } = "";

    public int Count { get; set; }

    public DateTime FirstSeen { get; set; }

    public DateTime LastSeen { get; set; }

    /// <summary>Who acknowledged or resolved it, and their note.</summary>
    public string? By { get; set; }

    public string? Note { get; set; }

    public DateTime At { get; set; }

    public static AlertNotice From(AlertRecord a, AlertEvent change, DateTime at) => new()
    {
        AlertId = a.Id,
        Event = change,
        Kind = a.Kind,
        Severity = a.Severity,
        State = a.State,
        HostId = a.HostId,
        HostName = a.HostName,
        JobId = a.JobId,
        Message = a.Message,
        Count = a.Count,
        FirstSeen = a.FirstSeen,
        LastSeen = a.LastSeen,
        By = change == AlertEvent.Acknowledged ? a.AcknowledgedBy : change == AlertEvent.Resolved ? a.ResolvedBy : null,
        Note = change == AlertEvent.Acknowledged ? a.AcknowledgeNote : change == AlertEvent.Resolved ? a.ResolveNote : null,
        At = at,
    };
}

internal enum NotificationState
{
    Pending,
    Delivered,

    /// <summary>Given up after the last attempt (visible on the channel and in the log).</summary>
    Failed,
}

/// <summary>One notification to one channel, queued in the transaction that changed the alert (an outbox: none is lost at a restart).</summary>
internal sealed class NotificationRecord
{
    public Guid Id { get; set; }

    public Guid ChannelId { get; set; }

    public AlertNotice Notice { get; set; } = new();

    public NotificationState State { get; set; }

    public int Attempts { get; set; }

    public DateTime NextAttempt { get; set; }

    public string? LastError { get; set; }

    public DateTime Created { get; set; }

    public DateTime? Delivered { get; set; }
}

/// <summary>The result of a test send.</summary>
internal sealed record ChannelTestResult(bool Delivered, string? Error);
