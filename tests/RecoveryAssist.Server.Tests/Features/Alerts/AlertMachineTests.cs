using RecoveryAssist.Server.Features.Alerts;
using RecoveryAssist.Server.Features.HostOps;

namespace RecoveryAssist.Server.Tests.Features.Alerts;

public sealed class AlertMachineTests
{
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly Guid Host = Guid.NewGuid();

    // The published sample key (vSphere 8.0 Security guide; tests only).
    private const string SampleKey = "478269-039194-473926-430939-686855-231401-642208-184477-602511-225586-551660-586542-338394-092578-687140-267425";

    private static AlertRecord Open(AlertKind kind = AlertKind.BackupFailed, Guid? job = null)
    {
        AlertMachine.Raise(null, kind, Host, "esx01", job, "save failed", T0, out var alert).Should().BeTrue();
        return alert;
    }

    [Fact]
    public void Raise_NoActiveAlert_OpensOneCountedOnce()
    {
        var alert = Open();

        (alert.State, alert.Count, alert.FirstSeen, alert.LastSeen).Should().Be((AlertState.Open, 1, T0, T0));
    }

    [Fact]
    public void Raise_ActiveAlert_CountsItWithLatestMessageAndJob()
    {
        var alert = Open();
        var job = Guid.NewGuid();

        AlertMachine.Raise(alert, AlertKind.BackupFailed, Host, "esx01", job, "again", T0.AddMinutes(5), out var again).Should().BeFalse();

        again.Should().BeSameAs(alert);
        (again.Count, again.LastSeen, again.FirstSeen, again.Message, again.JobId).Should().Be((2, T0.AddMinutes(5), T0, "again", job));
    }

    [Fact]
    public void Raise_AcknowledgedAlert_CountsItAndStaysAcknowledged()
    {
        var alert = Open();
        AlertMachine.Acknowledge(alert, "alice", "looking", T0);

        AlertMachine.Raise(alert, AlertKind.BackupFailed, Host, "esx01", null, "again", T0, out var again).Should().BeFalse();

        again.State.Should().Be(AlertState.Acknowledged);
    }

    [Fact]
    public void Raise_ResolvedAlert_OpensANewOne()
    {
        var alert = Open();
        AlertMachine.Resolve(alert, "alice", "fixed", T0);

        AlertMachine.Raise(alert, AlertKind.BackupFailed, Host, "esx01", null, "again", T0, out var next).Should().BeTrue();

        next.Id.Should().NotBe(alert.Id);
    }

    [Fact]
    public void Raise_MessageWithKey_StoresItRedacted()
    {
        AlertMachine.Raise(null, AlertKind.KeyDrift, Host, "esx01", null, "the host lists " + SampleKey, T0, out var alert);

        alert.Message.Should().NotContain("478269").And.Contain(Redaction.Redacted);
    }

    [Fact]
    public void Acknowledge_Open_RecordsWhoWhenAndNote()
    {
        var alert = Open();

        AlertMachine.Acknowledge(alert, "alice", " on it ", T0.AddMinutes(1));

        (alert.State, alert.AcknowledgedBy, alert.AcknowledgeNote, alert.Acknowledged).Should().Be((AlertState.Acknowledged, "alice", "on it", T0.AddMinutes(1)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("  ")]
    [InlineData("two\nlines")]
    public void Acknowledge_BadNote_RefusedNamingTheNote(string? note)
    {
        var act = () => AlertMachine.Acknowledge(Open(), "alice", note, T0);

        act.Should().Throw<AlertRefusedException>().Where(e => e.Code == "invalid-note" && e.Message.StartsWith("note:", StringComparison.Ordinal));
    }

    [Fact]
    public void Acknowledge_Acknowledged_Refused()
    {
        var alert = Open();
        AlertMachine.Acknowledge(alert, "alice", "on it", T0);

        var act = () => AlertMachine.Acknowledge(alert, "bob", "me too", T0);

        act.Should().Throw<AlertRefusedException>().Which.Code.Should().Be("alert-not-open");
        alert.AcknowledgedBy.Should().Be("alice");
    }

    [Fact]
    public void Resolve_Resolved_Refused()
    {
        var alert = Open();
        AlertMachine.Resolve(alert, "alice", "done", T0);

        var act = () => AlertMachine.Resolve(alert, "bob", "done too", T0);

        act.Should().Throw<AlertRefusedException>().Which.Code.Should().Be("alert-resolved");
    }

    [Fact]
    public void Resolve_NoteWithKey_StoresItRedacted()
    {
        var alert = Open();

        AlertMachine.Resolve(alert, "alice", "key was " + SampleKey, T0);

        alert.ResolveNote.Should().NotContain("039194");
    }

    [Fact]
    public void Severity_EveryKind_HasOne()
    {
        foreach (var kind in Enum.GetValues<AlertKind>())
            Enum.IsDefined(AlertCatalog.Severity(kind)).Should().BeTrue();
        AlertCatalog.Severity(AlertKind.BackupFailed).Should().Be(AlertSeverity.Critical);
        AlertCatalog.Severity(AlertKind.NeedsPerson).Should().Be(AlertSeverity.Warning);
    }
}
