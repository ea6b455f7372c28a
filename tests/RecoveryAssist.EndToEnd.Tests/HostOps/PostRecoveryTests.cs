using RecoveryAssist.EndToEnd.Tests.Infrastructure;
using RecoveryAssist.EsxiSimulator.State;
using RecoveryAssist.Server.Features.Alerts;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Features.HostOps;
using RecoveryAssist.Server.Features.Recovery;

namespace RecoveryAssist.EndToEnd.Tests.HostOps;

/// <summary>A simulated host taken from "booted with the recovery key" to "backed up, rotated, escrowed, verified, old key used".</summary>
[Collection(SshdCollection.Name)]
public sealed class PostRecoveryTests(SshdFixture sshd) : IAsyncLifetime
{
    private HostOpsAppliance _appliance = null!;

    public async Task InitializeAsync() => _appliance = await HostOpsAppliance.StartAsync();

    public async Task DisposeAsync() => await _appliance.DisposeAsync();

    [SshdFact]
    public async Task PostRecovery_HostBootedWithRevealedKey_BackedUpRotatedEscrowedVerifiedOldUsedSessionCompleted()
    {
        var (connection, host, session, original) = await RecoveredHostAsync(_appliance, sshd);

        var job = await _appliance.RunAsync(JobKind.PostRecovery, host.Id);

        job.State.Should().Be(JobState.Succeeded, job.Error);
        job.Steps.Should().OnlyContain(s => s.State == StepState.Succeeded);
        job.SessionId.Should().Be(session);
        var state = sshd.Hosts.Get(connection.HostName);
        state.Config.RecoveryKey.Should().NotBe(original.Key, "the key shown in an untrusted place was rotated");
        state.IsConfigDirty.Should().BeFalse("the rotated configuration was persisted with auto-backup.sh");
        var versions = _appliance.Escrow.KeyVersions(host.Id);
        versions.Should().HaveCount(2);
        versions[0].Status.Should().Be(KeyStatus.Used);
        versions[1].Should().Match<KeyVersionRecord>(v => v.Status == KeyStatus.Current && v.Source == KeySource.Rotated);
        _appliance.Escrowed(host.Id, state.Config.RecoveryId, state.Config.RecoveryKey)!.Version.Should().Be(versions[1].Version);
        _appliance.Sessions.Get(session).State.Should().Be(SessionState.Completed);
        state.CommandLog.Select(c => c.Command).Should().ContainInOrder(
            "esxcli system stats uptime get",
            "esxcli system settings encryption get",
            "/sbin/auto-backup.sh",
            "esxcli system settings encryption recovery list",
            $"esxcli system settings encryption recovery rotate -u {original.RecoveryId}",
            "esxcli system settings encryption recovery list",
            "esxcli system settings encryption recovery list",
            "/sbin/auto-backup.sh");
        System.Text.Json.JsonSerializer.Serialize(job).Should().NotContain(original.Key).And.NotContain(state.Config.RecoveryKey);
    }

    [SshdFact]
    public async Task PostRecovery_AutoBackupSaysSavedButSavesNothing_StepFailsWithBackupAlert()
    {
        var (connection, host, _, _) = await RecoveredHostAsync(_appliance, sshd);
        sshd.Hosts.Update(connection.HostName, s => s.Behaviour.AutoBackupSilentlyFails = true);

        var job = await _appliance.RunAsync(JobKind.PostRecovery, host.Id);

        job.State.Should().Be(JobState.Failed);
        var backup = job.Steps.Single(s => s.Kind == StepKind.BackupBefore);
        backup.Message.Should().Contain("is not newer than the change");
        backup.Attempts.Should().Be(2, "a failed save is retried (MaxAttempts=2)");
        _appliance.Alerts.List(host.Id, 0, 10).Should().Contain(a => a.Kind == AlertKind.BackupFailed);
        job.Steps.Single(s => s.Kind == StepKind.Rotate).Attempts.Should().Be(0, "nothing is rotated before the configuration is saved");
    }

    [SshdFact]
    public async Task PostRecovery_HostNeverBack_FailsWithClearMessageAndAlert()
    {
        var connection = sshd.AddHost(HostNames.Next());
        var host = _appliance.Enrol(connection);
        (await _appliance.RunAsync(JobKind.Collect, host.Id)).State.Should().Be(JobState.Succeeded);
        sshd.Hosts.ReplaceTpm(connection.HostName);

        var job = await _appliance.RunAsync(JobKind.PostRecovery, host.Id);

        job.State.Should().Be(JobState.Failed);
        job.Steps[0].Message.Should().Contain("did not answer SSH within 6 s");
        _appliance.Alerts.List(host.Id, 0, 10).Should().Contain(a => a.Kind == AlertKind.HostNeverBack);
    }

    [SshdFact]
    public async Task PostRecovery_CancelWhileWaitingForHost_Cancelled()
    {
        var connection = sshd.AddHost(HostNames.Next());
        var host = _appliance.Enrol(connection);
        sshd.Hosts.PowerOff(connection.HostName);
        var started = _appliance.Jobs.Start(JobKind.PostRecovery, host.Id, null, HostOpsAppliance.Tester);
        var second = () => _appliance.Jobs.Start(JobKind.Rotate, host.Id, null, HostOpsAppliance.Tester);
        second.Should().Throw<RecoveryAssist.Server.Hosting.ProblemException>().Which.Code.Should().Be("host-busy");

        _appliance.Jobs.Cancel(started.Id, HostOpsAppliance.Tester);
        var job = await _appliance.WaitAsync(started.Id);

        job.State.Should().Be(JobState.Cancelled);
    }

    [SshdFact]
    public async Task Rotate_OnDemand_NewKeyEscrowedOldSuperseded()
    {
        var connection = sshd.AddHost(HostNames.Next(), configure: s => s.Behaviour.RotateChangesRecoveryId = true);
        var host = _appliance.Enrol(connection);
        (await _appliance.RunAsync(JobKind.Collect, host.Id)).State.Should().Be(JobState.Succeeded);

        var job = await _appliance.RunAsync(JobKind.Rotate, host.Id);

        job.State.Should().Be(JobState.Succeeded, job.Error);
        var state = sshd.Hosts.Get(connection.HostName);
        _appliance.Escrow.KeyVersions(host.Id).Select(v => (v.Status, v.Source)).Should().Equal((KeyStatus.Superseded, KeySource.Collected), (KeyStatus.Current, KeySource.Rotated));
        _appliance.AssertInvariant(sshd, connection.HostName, host.Id, "after a rotation");
        state.IsConfigDirty.Should().BeFalse();
        job.Steps.Single(s => s.Kind == StepKind.EscrowRotated).Output.Should().Contain("the Recovery ID changed");
    }

    /// <summary>
    /// A host whose key is escrowed, with a revealed recovery session, whose TPM was replaced and that
    /// an operator booted with the revealed key (Shift+O).
    /// </summary>
    internal static async Task<(SimulatedHostConnection Connection, HostRecord Host, Guid Session, (string RecoveryId, string Key) Original)> RecoveredHostAsync(
        HostOpsAppliance appliance, SshdFixture sshd)
    {
        var connection = sshd.AddHost(HostNames.Next());
        var host = appliance.Enrol(connection);
        (await appliance.RunAsync(JobKind.Collect, host.Id)).State.Should().Be(JobState.Succeeded);
        var opener = new Person("tech-one", "Technician", null);
        var session = appliance.Sessions.Open(host.Name, null, "motherboard-replaced", "CHG-1", "console", opener);
        appliance.Sessions.Approve(session.Id, new Person("tech-two", "Technician", null));
        var revealed = appliance.Sessions.Reveal(session.Id, new Person("operator", "Operator", null), "json", null);
        sshd.Hosts.ReplaceTpm(connection.HostName, "IFX");
        sshd.Hosts.BootWithRecoveryKey(connection.HostName, revealed.Key.Reveal()).Should().BeTrue();
        var state = sshd.Hosts.Get(connection.HostName);
        return (connection, host, session.Id, (state.Config.RecoveryId, state.Config.RecoveryKey));
    }
}
