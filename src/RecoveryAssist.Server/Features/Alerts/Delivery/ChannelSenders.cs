using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace RecoveryAssist.Server.Features.Alerts.Delivery;

/// <summary>A delivery attempt that did not work; its message is safe to store and show (no secret).</summary>
internal sealed class DeliveryException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Sends one notice through one kind of channel (the edge).</summary>
internal interface IChannelSender
{
    ChannelType Type { get; }

    /// <param name="secret">The channel's opened secret (HMAC key, SMTP password), or null.</param>
    /// <exception cref="DeliveryException">The peer refused or did not answer.</exception>
    Task SendAsync(AlertChannelRecord channel, string? secret, AlertNotice notice, CancellationToken cancellationToken);
}

internal sealed class WebhookSender : IChannelSender, IDisposable
{
    // No redirects: a signed alert goes where the admin said, nowhere else.
    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { Timeout = Timeout.InfiniteTimeSpan };

    public ChannelType Type => ChannelType.Webhook;

    public async Task SendAsync(AlertChannelRecord channel, string? secret, AlertNotice notice, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var body = NotificationRender.WebhookBody(notice);
        var key = Encoding.UTF8.GetBytes(secret ?? throw new DeliveryException("the webhook has no signing key"));
        using var request = new HttpRequestMessage(HttpMethod.Post, channel.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(NotificationRender.SignatureHeader, NotificationRender.Signature(key, body));
        request.Headers.Add(NotificationRender.EventHeader, NotificationRender.EventName(notice.Event));
        CryptographicOperations.ZeroMemory(key);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new DeliveryException($"webhook: {e.Message}", e);
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
                throw new DeliveryException($"webhook: HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
        }
    }

    public void Dispose() => _http.Dispose();
}

internal sealed class EmailSender : IChannelSender
{
    public ChannelType Type => ChannelType.Email;

    public async Task SendAsync(AlertChannelRecord channel, string? secret, AlertNotice notice, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(channel.From ?? throw new DeliveryException("email: no sender address")));
        foreach (var to in channel.To)
            message.To.Add(MailboxAddress.Parse(to));
        message.Subject = NotificationRender.EmailSubject(notice);
        message.Body = new TextPart("plain") { Text = NotificationRender.EmailBody(notice) };
        using var client = new SmtpClient();
        if (channel.TlsCertificateSha256 is { } pinned)
        {
            // A relay with its own certificate: trusted by its fingerprint, not by a CA.
            client.ServerCertificateValidationCallback = (_, certificate, _, _) =>
                certificate is not null && string.Equals(Convert.ToHexStringLower(SHA256.HashData(certificate.GetRawCertData())), pinned, StringComparison.OrdinalIgnoreCase);
        }
        try
        {
            await client.ConnectAsync(channel.SmtpHost ?? throw new DeliveryException("email: no SMTP server"), channel.SmtpPort, channel.StartTls ? SecureSocketOptions.StartTls : SecureSocketOptions.None, cancellationToken).ConfigureAwait(false);
            if (channel.UserName is { } user)
                await client.AuthenticateAsync(user, secret ?? "", cancellationToken).ConfigureAwait(false);
            await client.SendAsync(message, cancellationToken).ConfigureAwait(false);
            await client.DisconnectAsync(quit: true, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or MailKit.ProtocolException or MailKit.CommandException or AuthenticationException
            or SslHandshakeException or NotSupportedException or System.Security.Authentication.AuthenticationException)
        {
            throw new DeliveryException($"email: {e.GetType().Name}: {e.Message}", e);
        }
    }
}

internal sealed class SyslogSender : IChannelSender
{
    public ChannelType Type => ChannelType.Syslog;

    public async Task SendAsync(AlertChannelRecord channel, string? secret, AlertNotice notice, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var datagram = NotificationRender.SyslogMessage(notice, Dns.GetHostName(), Environment.ProcessId);
        var target = SyslogTarget.Parse(channel.SyslogTarget) ?? throw new DeliveryException("syslog: no valid target");
        try
        {
            using var socket = target.Unix is { } path
                ? new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified)
                : new Socket(target.Address!.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            EndPoint endPoint = target.Unix is { } socketPath ? new UnixDomainSocketEndPoint(socketPath) : new IPEndPoint(target.Address!, target.Port);
            await socket.SendToAsync(datagram, SocketFlags.None, endPoint, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            throw new DeliveryException($"syslog: {e.SocketErrorCode}: {e.Message}", e);
        }
    }
}

/// <summary>A syslog target: <c>udp://address:port</c> (an IP address, so no name lookup can hang delivery) or <c>unix:/path</c>.</summary>
internal sealed record SyslogTarget(IPAddress? Address, int Port, string? Unix)
{
    public static SyslogTarget? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return null;
        if (text.StartsWith("unix:", StringComparison.Ordinal))
            return text.Length > 5 && text[5] == '/' ? new SyslogTarget(null, 0, text[5..]) : null;
        if (!text.StartsWith("udp://", StringComparison.Ordinal) || !IPEndPoint.TryParse(text[6..], out var endPoint) || endPoint.Port == 0)
            return null;
        return new SyslogTarget(endPoint.Address, endPoint.Port, null);
    }
}
