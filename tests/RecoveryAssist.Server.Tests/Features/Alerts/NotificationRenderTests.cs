using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using RecoveryAssist.Server.Features.Alerts;
using RecoveryAssist.Server.Features.Alerts.Delivery;

namespace RecoveryAssist.Server.Tests.Features.Alerts;

public sealed class NotificationRenderTests
{
    private static readonly DateTime T0 = new(2026, 12, 6, 9, 41, 7, DateTimeKind.Utc);

    // The published sample key (vSphere 8.0 Security guide; tests only).
    private const string SampleKey = "478269-039194-473926-430939-686855-231401-642208-184477-602511-225586-551660-586542-338394-092578-687140-267425";

    private static AlertNotice Notice(AlertKind kind = AlertKind.BackupFailed, AlertEvent change = AlertEvent.Opened, string message = "save failed") => new()
    {
        AlertId = Guid.Parse("0b7f2f7e-6a43-4a52-9a48-3f1b1f0f5b11"),
        Event = change,
        Kind = kind,
        Severity = AlertCatalog.Severity(kind),
        State = change == AlertEvent.Resolved ? AlertState.Resolved : AlertState.Open,
        HostId = Guid.Parse("5d0c8a40-0000-4000-8000-000000000001"),
        HostName = "esx01",
        Message = message,
        Count = 1,
        FirstSeen = T0,
        LastSeen = T0,
        At = T0,
    };

    private static AlertChannelRecord Channel(AlertSeverity min = AlertSeverity.Warning, bool sendResolved = true, params AlertKind[] kinds) =>
        new() { Name = "c", Type = ChannelType.Webhook, MinSeverity = min, SendResolved = sendResolved, Kinds = [.. kinds] };

    [Fact]
    public void Signature_KnownKeyAndBody_IsHexHmacSha256()
    {
        var body = Encoding.UTF8.GetBytes("{\"a\":1}");

        NotificationRender.Signature(Encoding.UTF8.GetBytes("key"), body).Should()
            .Be("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes("key"), body)));
    }

    [Fact]
    public void WebhookBody_Opened_HasKindSeverityHostAndRedactedMessage()
    {
        var json = JsonDocument.Parse(NotificationRender.WebhookBody(Notice(message: "the host lists " + SampleKey))).RootElement;

        json.GetProperty("event").GetString().Should().Be("opened");
        var alert = json.GetProperty("alert");
        (alert.GetProperty("kind").GetString(), alert.GetProperty("severity").GetString(), alert.GetProperty("host").GetProperty("name").GetString())
            .Should().Be(("backupFailed", "critical", "esx01"));
        alert.GetProperty("message").GetString().Should().Be("the host lists [redacted]");
    }

    [Fact]
    public void SyslogMessage_Critical_Rfc5424HeaderStructuredDataAndBom()
    {
        var bytes = NotificationRender.SyslogMessage(Notice(), "appliance", 812);
        var text = Encoding.UTF8.GetString(bytes);

        text.Should().Be("<130>1 2026-12-06T09:41:07.000Z appliance recoveryassist 812 alert [alert@32473 id=\"0b7f2f7e-6a43-4a52-9a48-3f1b1f0f5b11\" event=\"opened\" "
            + "kind=\"backupFailed\" severity=\"critical\" state=\"open\" host=\"esx01\"] \uFEFFbackupFailed on esx01: save failed");
    }

    [Fact]
    public void SyslogMessage_HostNameWithQuoteAndBracket_Escaped()
    {
        var notice = Notice();
        notice.HostName = "a\"b]c";

        Encoding.UTF8.GetString(NotificationRender.SyslogMessage(notice, "appliance", 1)).Should().Contain("host=\"a\\\"b\\]c\"");
    }

    [Theory]
    [InlineData(nameof(AlertKind.NeedsPerson), "Critical", false)]
    [InlineData(nameof(AlertKind.BackupFailed), "Critical", true)]
    [InlineData(nameof(AlertKind.NeedsPerson), "Warning", true)]
    public void Routes_BySeverity(string kind, string min, bool expected)
    {
        NotificationRender.Routes(Channel(Enum.Parse<AlertSeverity>(min)), Notice(Enum.Parse<AlertKind>(kind))).Should().Be(expected);
    }

    [Fact]
    public void Routes_ByKindAndResolved()
    {
        var channel = Channel(AlertSeverity.Info, sendResolved: false, AlertKind.KeyDrift);

        NotificationRender.Routes(channel, Notice(AlertKind.KeyDrift)).Should().BeTrue();
        NotificationRender.Routes(channel, Notice(AlertKind.BackupFailed)).Should().BeFalse();
        NotificationRender.Routes(channel, Notice(AlertKind.KeyDrift, AlertEvent.Resolved)).Should().BeFalse();
        channel.Enabled = false;
        NotificationRender.Routes(channel, Notice(AlertKind.KeyDrift)).Should().BeFalse();
    }

    [Theory]
    [InlineData(1, 1000)]
    [InlineData(2, 2000)]
    [InlineData(4, 8000)]
    [InlineData(30, 300_000)]
    public void Backoff_DoublesUpToMax(int attempt, int expectedMs)
    {
        NotificationRender.Backoff(attempt, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5)).Should().Be(TimeSpan.FromMilliseconds(expectedMs));
    }

    [Theory]
    [InlineData("udp://127.0.0.1:514", true)]
    [InlineData("unix:/dev/log", true)]
    [InlineData("udp://syslog.example.org:514", false)]
    [InlineData("tcp://127.0.0.1:514", false)]
    [InlineData("unix:relative", false)]
    public void SyslogTarget_Parse(string text, bool valid)
    {
        (SyslogTarget.Parse(text) is not null).Should().Be(valid);
    }

    [Fact]
    public void ChannelValidation_EmailMissingFields_EveryFieldNamedRecordUnchanged()
    {
        var record = new AlertChannelRecord();

        var act = () => ChannelValidation.Apply(record, new AlertChannelInput(Name: "mail", Type: "email", SmtpPort: 0), creating: true);

        act.Should().Throw<ChannelInputException>().Which.Errors.Should().BeEquivalentTo(
            "smtpHost: the SMTP server's name or address", "smtpPort: 1 to 65535", "from: one email address", "to: one or more email addresses");
        record.Name.Should().BeEmpty("nothing is applied when a field is wrong");
    }

    [Fact]
    public void ChannelInput_ToString_HidesSecret()
    {
        new AlertChannelInput(Name: "x", Secret: "hunter2").ToString().Should().NotContain("hunter2");
    }
}
