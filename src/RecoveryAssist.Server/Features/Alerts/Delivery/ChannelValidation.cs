using System.Net.Mail;

namespace RecoveryAssist.Server.Features.Alerts.Delivery;

/// <summary>A channel that cannot be saved as given: every wrong field, named.</summary>
internal sealed class ChannelInputException(IReadOnlyList<string> errors) : Exception(string.Join("; ", errors) + ".")
{
    public IReadOnlyList<string> Errors { get; } = errors;
}

/// <summary>Checks a channel input and applies it to a record. Pure: nothing is written when a field is wrong.</summary>
internal static class ChannelValidation
{
    public const int MaxSecretLength = 1024;

    /// <returns>The new secret to seal, or null to keep the stored one.</returns>
    /// <exception cref="ChannelInputException">Every field that is wrong.</exception>
    public static string? Apply(AlertChannelRecord record, AlertChannelInput input, bool creating)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(input);
        var errors = new List<string>();
        var copy = Copy(record);
        if (creating || input.Name is not null)
        {
            var name = input.Name?.Trim() ?? "";
            if (name.Length is 0 or > AlertDelivery.MaxNameLength || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
                errors.Add($"name: 1 to {AlertDelivery.MaxNameLength} letters, digits, '-', '_' or '.'");
            copy.Name = name;
        }
        if (creating)
        {
            if (!Enum.TryParse<ChannelType>(input.Type, ignoreCase: true, out var type) || !Enum.IsDefined(type))
                errors.Add("type: expected webhook, email or syslog");
            copy.Type = type;
        }
        else if (input.Type is not null && !string.Equals(input.Type, record.Type.ToString(), StringComparison.OrdinalIgnoreCase))
        {
            errors.Add("type: a channel's type cannot change (delete it and add another)");
        }
        copy.Enabled = input.Enabled ?? copy.Enabled;
        copy.SendResolved = input.SendResolved ?? copy.SendResolved;
        if (input.MinSeverity is not null)
        {
            if (AlertCatalog.TryParseSeverity(input.MinSeverity, out var severity))
                copy.MinSeverity = severity;
            else
                errors.Add("minSeverity: expected info, warning or critical");
        }
        if (input.Kinds is not null)
        {
            var kinds = new List<AlertKind>();
            foreach (var text in input.Kinds)
            {
                if (AlertCatalog.TryParseKind(text, out var kind))
                    kinds.Add(kind);
                else
                    errors.Add($"kinds: unknown kind '{text}' (expected {string.Join(", ", Enum.GetValues<AlertKind>().Select(AlertCatalog.Name))})");
            }
            copy.Kinds = kinds.Distinct().ToList();
        }
        copy.Url = input.Url?.Trim() ?? copy.Url;
        copy.SmtpHost = input.SmtpHost?.Trim() ?? copy.SmtpHost;
        copy.SmtpPort = input.SmtpPort ?? copy.SmtpPort;
        copy.StartTls = input.StartTls ?? copy.StartTls;
        copy.TlsCertificateSha256 = input.TlsCertificateSha256 is { } pin ? (pin.Length == 0 ? null : pin.Replace(":", "", StringComparison.Ordinal).ToLowerInvariant()) : copy.TlsCertificateSha256;
        copy.From = input.From?.Trim() ?? copy.From;
        copy.To = input.To?.Select(t => t.Trim()).ToList() ?? copy.To;
        copy.UserName = input.UserName is { } user ? (user.Length == 0 ? null : user) : copy.UserName;
        copy.SyslogTarget = input.SyslogTarget?.Trim() ?? copy.SyslogTarget;
        if (input.Secret is { } secret && (secret.Length is 0 or > MaxSecretLength || secret.Any(char.IsControl)))
            errors.Add($"secret: 1 to {MaxSecretLength} characters, on one line");

        switch (copy.Type)
        {
            case ChannelType.Webhook:
                if (!Uri.TryCreate(copy.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(url.UserInfo))
                    errors.Add("url: an absolute http or https URL, without user:password (the signature authenticates the appliance)");
                break;
            case ChannelType.Email:
                if (string.IsNullOrWhiteSpace(copy.SmtpHost) || copy.SmtpHost.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
                    errors.Add("smtpHost: the SMTP server's name or address");
                if (copy.SmtpPort is < 1 or > 65535)
                    errors.Add("smtpPort: 1 to 65535");
                if (!IsAddress(copy.From))
                    errors.Add("from: one email address");
                if (copy.To.Count == 0 || !copy.To.All(IsAddress))
                    errors.Add("to: one or more email addresses");
                if (copy.TlsCertificateSha256 is { } fingerprint && (fingerprint.Length != 64 || !fingerprint.All(Uri.IsHexDigit)))
                    errors.Add("tlsCertificateSha256: 64 hex digits (the SHA-256 of the server's certificate)");
                if (copy.TlsCertificateSha256 is not null && !copy.StartTls)
                    errors.Add("tlsCertificateSha256: needs startTls");
                break;
            case ChannelType.Syslog:
                if (SyslogTarget.Parse(copy.SyslogTarget) is null)
                    errors.Add("syslogTarget: udp://ADDRESS:PORT (an IP address) or unix:/path/to/socket");
                break;
        }
        if (errors.Count > 0)
            throw new ChannelInputException(errors);
        Assign(record, copy);
        return input.Secret;
    }

    /// <summary>A webhook signs with its key: it cannot be saved without one.</summary>
    public static void RequireSecret(AlertChannelRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Type == ChannelType.Webhook && record.Secret is null)
            throw new ChannelInputException(["secret: a webhook needs a signing key (HMAC-SHA256 over the body; give it from a file or stdin)"]);
    }

    private static bool IsAddress(string? text) => !string.IsNullOrWhiteSpace(text) && MailAddress.TryCreate(text, out var address) && address.Address == text;

    private static AlertChannelRecord Copy(AlertChannelRecord r) => new()
    {
        Id = r.Id, Name = r.Name, Type = r.Type, Enabled = r.Enabled, MinSeverity = r.MinSeverity, Kinds = [.. r.Kinds], SendResolved = r.SendResolved,
        Url = r.Url, SmtpHost = r.SmtpHost, SmtpPort = r.SmtpPort, StartTls = r.StartTls, TlsCertificateSha256 = r.TlsCertificateSha256, From = r.From,
        To = [.. r.To], UserName = r.UserName, SyslogTarget = r.SyslogTarget,
    };

    private static void Assign(AlertChannelRecord r, AlertChannelRecord c)
    {
        r.Name = c.Name;
        r.Type = c.Type;
        r.Enabled = c.Enabled;
        r.MinSeverity = c.MinSeverity;
        r.Kinds = c.Kinds;
        r.SendResolved = c.SendResolved;
        r.Url = c.Url;
        r.SmtpHost = c.SmtpHost;
        r.SmtpPort = c.SmtpPort;
        r.StartTls = c.StartTls;
        r.TlsCertificateSha256 = c.TlsCertificateSha256;
        r.From = c.From;
        r.To = c.To;
        r.UserName = c.UserName;
        r.SyslogTarget = c.SyslogTarget;
    }
}
