using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using RecoveryAssist.EndToEnd.Tests.HostOps;
using RecoveryAssist.Server.Features.Alerts;
using RecoveryAssist.Server.Features.Alerts.Delivery;

namespace RecoveryAssist.EndToEnd.Tests.Alerts;

/// <summary>Alerts delivered to real peers on loopback: a webhook receiver, an SMTP server with STARTTLS (aiosmtpd), syslog sockets.</summary>
public sealed class AlertDeliveryTests : IAsyncLifetime
{
    // The published sample key (vSphere 8.0 Security guide; tests only), and a group of it that must never leave.
    private const string SampleKey = "478269-039194-473926-430939-686855-231401-642208-184477-602511-225586-551660-586542-338394-092578-687140-267425";
    private const string WebhookKey = "whsec-test-3f9a1c";

    private static readonly string[] Settings =
    [
        $"--{DeliveryOptions.Section}:FirstRetryMilliseconds=50",
        $"--{DeliveryOptions.Section}:MaxRetrySeconds=1",
        $"--{DeliveryOptions.Section}:SendTimeoutSeconds=2",
    ];

    private HostOpsAppliance _appliance = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        _appliance = await HostOpsAppliance.StartAsync(Settings);
        _admin = _appliance.WithToken("admin");
    }

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        await _appliance.DisposeAsync();
    }

    private AlertService Alerts => _appliance.Alerts;

    private AlertDelivery Delivery => _appliance.Services.GetRequiredService<AlertDelivery>();

    private async Task<JsonElement> AddChannelAsync(object channel)
    {
        var response = await _admin.PostAsJsonAsync("/api/alert-channels", channel);
        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static void AssertNoKey(string text)
    {
        foreach (var group in SampleKey.Split('-').Distinct())
            text.Should().NotContain(group, "no key digit leaves the appliance");
    }

    [Fact]
    public async Task Webhook_EveryKind_SignedPayloadWithoutKeyDigits()
    {
        using var receiver = new WebhookReceiver();
        var channel = await AddChannelAsync(new { name = "hooks", type = "webhook", url = receiver.Url, minSeverity = "info", secret = WebhookKey });
        channel.TryGetProperty("secret", out _).Should().BeFalse("the API never returns a channel's secret");
        channel.GetProperty("hasSecret").GetBoolean().Should().BeTrue();
        var host = Guid.NewGuid();
        var kinds = Enum.GetValues<AlertKind>();

        foreach (var kind in kinds)
            Alerts.Raise(kind, host, "esx-hook", null, $"{kind}: the host printed {SampleKey} and encryptionRecoveryKey={SampleKey}");
        await receiver.WaitForAsync(kinds.Length);

        var received = receiver.Received;
        received.Should().HaveCount(kinds.Length);
        foreach (var (body, signature, alertEvent) in received)
        {
            signature.Should().Be("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(WebhookKey), body)), "signed over the exact body");
            alertEvent.Should().Be("opened");
            AssertNoKey(Encoding.UTF8.GetString(body));
        }
        var payloads = received.Select(r => JsonDocument.Parse(r.Body).RootElement).ToList();
        payloads.Select(p => p.GetProperty("alert").GetProperty("kind").GetString()).Should().BeEquivalentTo(kinds.Select(AlertCatalog.Name));
        var backup = payloads.Single(p => p.GetProperty("alert").GetProperty("kind").GetString() == "backupFailed").GetProperty("alert");
        backup.GetProperty("severity").GetString().Should().Be("critical");
        backup.GetProperty("state").GetString().Should().Be("open");
        backup.GetProperty("host").GetProperty("name").GetString().Should().Be("esx-hook");
        backup.GetProperty("message").GetString().Should().Contain("[redacted]");
    }

    [Fact]
    public async Task Webhook_RoutingBySeverityAndKind_ResolvedToldToo()
    {
        using var critical = new WebhookReceiver();
        using var policy = new WebhookReceiver();
        await AddChannelAsync(new { name = "pager", type = "webhook", url = critical.Url, minSeverity = "critical", secret = WebhookKey });
        await AddChannelAsync(new { name = "policy-team", type = "webhook", url = policy.Url, minSeverity = "info", kinds = new[] { "policyRefused" }, sendResolved = false, secret = WebhookKey });
        var host = Guid.NewGuid();

        Alerts.Raise(AlertKind.NeedsPerson, host, "esx-route", null, "waits");
        var refused = Alerts.Raise(AlertKind.PolicyRefused, host, "esx-route", null, "ESXi refused");
        var backup = Alerts.Raise(AlertKind.BackupFailed, host, "esx-route", null, "save failed");
        var resolve = await _admin.PostAsJsonAsync($"/api/alerts/{backup.Id}/resolve", new { note = "saved by hand" });
        resolve.StatusCode.Should().Be(HttpStatusCode.OK);
        Alerts.Resolve(refused.Id, HostOpsAppliance.Tester, "fixed");
        await critical.WaitForAsync(2);
        await policy.WaitForAsync(1);

        critical.Received.Select(r => (JsonDocument.Parse(r.Body).RootElement.GetProperty("alert").GetProperty("kind").GetString(), r.Event))
            .Should().Equal(("backupFailed", "opened"), ("backupFailed", "resolved"));
        var resolved = JsonDocument.Parse(critical.Received[1].Body).RootElement.GetProperty("alert");
        resolved.GetProperty("note").GetString().Should().Be("saved by hand");
        policy.Received.Should().ContainSingle("only its kind, and not the resolution it did not ask for")
            .Which.Event.Should().Be("opened");
    }

    [Fact]
    public async Task Webhook_FailsThenWorks_RetriedWithBackoffFailureVisibleOnChannel()
    {
        using var receiver = new WebhookReceiver(failFirst: 2);
        var channel = await AddChannelAsync(new { name = "flaky", type = "webhook", url = receiver.Url, secret = WebhookKey });
        var id = channel.GetProperty("id").GetGuid();

        Alerts.Raise(AlertKind.KeyDrift, Guid.NewGuid(), "esx-flaky", null, "key changed");
        await receiver.WaitForAsync(3);

        var notification = await WaitForNotificationAsync(id, n => n.State == NotificationState.Delivered);
        notification.Attempts.Should().Be(3);
        var view = await _admin.GetFromJsonAsync<JsonElement>($"/api/alert-channels/{id}");
        view.GetProperty("lastError").GetString().Should().Be("webhook: HTTP 500 Internal Server Error");
        view.GetProperty("lastFailure").ValueKind.Should().Be(JsonValueKind.String);
        view.GetProperty("lastSuccess").ValueKind.Should().Be(JsonValueKind.String);
        view.GetProperty("consecutiveFailures").GetInt32().Should().Be(0);
    }

    [Fact]
    public async Task Webhook_PeerHangs_RaiseReturnsAndOtherChannelsStillDeliver()
    {
        using var hanging = new WebhookReceiver(hang: true);
        using var working = new WebhookReceiver();
        var hangingChannel = await AddChannelAsync(new { name = "hangs", type = "webhook", url = hanging.Url, secret = WebhookKey });
        await AddChannelAsync(new { name = "works", type = "webhook", url = working.Url, secret = WebhookKey });

        var alert = Alerts.Raise(AlertKind.EscrowAtRisk, Guid.NewGuid(), "esx-hang", null, "at risk");
        await hanging.WaitForAsync(1);
        await working.WaitForAsync(1);

        alert.State.Should().Be(AlertState.Open, "the raise returned while the peer still holds the request");
        var failed = await WaitForNotificationAsync(hangingChannel.GetProperty("id").GetGuid(), n => n.LastError is not null);
        failed.LastError.Should().Be("no answer within 2 s");
    }

    [Fact]
    public async Task Email_StartTlsToRealSmtpServer_ReceivesAlertWithoutKeyDigits()
    {
        await using var smtp = await SmtpPeer.StartAsync();
        var channel = await AddChannelAsync(new
        {
            name = "oncall-mail", type = "email", smtpHost = "127.0.0.1", smtpPort = smtp.Port, startTls = true,
            tlsCertificateSha256 = smtp.CertificateSha256, from = "recoveryassist@example.org", to = new[] { "oncall@example.org" },
        });

        var alert = Alerts.Raise(AlertKind.BackupFailed, Guid.NewGuid(), "esx-mail", null, $"backup.sh 0 failed; key {SampleKey}");
        var test = await _admin.PostAsync($"/api/alert-channels/{channel.GetProperty("id").GetGuid()}/test", null);
        await smtp.WaitForMessagesAsync(2);

        (await test.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("delivered").GetBoolean().Should().BeTrue();
        var output = smtp.Output;
        output.Should().Contain("Subject: [RecoveryAssist] CRITICAL backupFailed on esx-mail");
        output.Should().Contain($"Alert:     {alert.Id}");
        output.Should().Contain("Subject: [RecoveryAssist] TEST INFO jobFailed on test");
        output.Should().Contain("X-Peer:").And.Contain("oncall@example.org");
        AssertNoKey(output);
    }

    [Fact]
    public async Task Email_WrongCertificatePin_FailsVisibly()
    {
        await using var smtp = await SmtpPeer.StartAsync();
        var channel = await AddChannelAsync(new
        {
            name = "pinned", type = "email", smtpHost = "127.0.0.1", smtpPort = smtp.Port, tlsCertificateSha256 = new string('0', 64),
            from = "recoveryassist@example.org", to = new[] { "oncall@example.org" },
        });

        var test = await (await _admin.PostAsync($"/api/alert-channels/{channel.GetProperty("id").GetGuid()}/test", null)).Content.ReadFromJsonAsync<JsonElement>();

        test.GetProperty("delivered").GetBoolean().Should().BeFalse();
        test.GetProperty("error").GetString().Should().StartWith("email: SslHandshakeException");
    }

    [Fact]
    public async Task Syslog_UnixSocketAndUdp_Rfc5424WithoutKeyDigits()
    {
        using var receiver = new SyslogReceiver();
        await AddChannelAsync(new { name = "local-syslog", type = "syslog", syslogTarget = "unix:" + receiver.UnixPath });
        await AddChannelAsync(new { name = "remote-syslog", type = "syslog", syslogTarget = $"udp://127.0.0.1:{receiver.UdpPort}" });

        var alert = Alerts.Raise(AlertKind.HostKeyMismatch, Guid.NewGuid(), "esx-syslog", null, $"host key changed; {SampleKey}");
        var unix = Encoding.UTF8.GetString(await SyslogReceiver.ReceiveAsync(receiver.Unix));
        var udp = Encoding.UTF8.GetString(await SyslogReceiver.ReceiveAsync(receiver.Udp));

        foreach (var line in new[] { unix, udp })
        {
            // local0 (16) * 8 + critical (2).
            line.Should().StartWith("<130>1 ");
            line.Should().Contain($" recoveryassist {Environment.ProcessId} alert [alert@32473 id=\"{alert.Id}\" event=\"opened\" kind=\"hostKeyMismatch\" severity=\"critical\"");
            line.Should().EndWith("hostKeyMismatch on esx-syslog: host key changed; [redacted]");
            AssertNoKey(line);
        }
    }

    [Fact]
    public async Task Channels_BadInput_EveryFieldNamedNothingSaved()
    {
        var response = await _admin.PostAsJsonAsync("/api/alert-channels", new { name = "bad name", type = "email", smtpPort = 70000, to = new[] { "not an address" }, kinds = new[] { "nope" } });
        var noKey = await _admin.PostAsJsonAsync("/api/alert-channels", new { name = "nokey", type = "webhook", url = "https://example.org/hook" });
        using var technician = _appliance.WithToken("technician");
        var forbidden = await technician.GetAsync("/api/alert-channels");

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        var text = await response.Content.ReadAsStringAsync();
        text.Should().Contain("name:").And.Contain("smtpHost:").And.Contain("smtpPort:").And.Contain("from:").And.Contain("to:").And.Contain("kinds: unknown kind 'nope'");
        noKey.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await noKey.Content.ReadAsStringAsync()).Should().Contain("secret: a webhook needs a signing key");
        forbidden.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await _admin.GetFromJsonAsync<JsonElement>("/api/alert-channels")).GetArrayLength().Should().Be(0);
    }

    private async Task<NotificationRecord> WaitForNotificationAsync(Guid channelId, Func<NotificationRecord, bool> condition)
    {
        // The delivery's own outbox is the observable: a bounded wait on its state, not on the clock.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (Delivery.Notifications(channelId).FirstOrDefault(condition) is { } found)
                return found;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("the notification did not reach the expected state within 60 s");
            await Task.Delay(20);
        }
    }
}
