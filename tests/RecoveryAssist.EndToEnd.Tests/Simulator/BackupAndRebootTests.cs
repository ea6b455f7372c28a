using RecoveryAssist.EndToEnd.Tests.Infrastructure;
using RecoveryAssist.EsxiSimulator.State;
using Renci.SshNet.Common;

namespace RecoveryAssist.EndToEnd.Tests.Simulator;

[Collection(SshdCollection.Name)]
public sealed class BackupAndRebootTests(SshdFixture sshd)
{
    private const string AutoBackup = "/sbin/auto-backup.sh";

    [SshdFact]
    public void AutoBackup_AfterRotate_SavesAndSaysSoOnce()
    {
        var host = sshd.AddHost(HostNames.Next());
        using var client = host.Connect();
        Rotate(client, host);

        var first = SimulatedHostConnection.Run(client, AutoBackup);
        var second = SimulatedHostConnection.Run(client, AutoBackup);

        first.Should().Be(new CommandOutcome("Saving current state in /bootbank\n", "", 0, null));
        second.Should().Be(new CommandOutcome("", "", 0, null), "nothing changed since the save");
        var state = sshd.Hosts.Get(host.HostName);
        state.SavedConfig.RecoveryKey.Should().Be(state.Config.RecoveryKey);
        SimulatedHostConnection.Run(client, "cat /bootbank/boot.cfg").Stdout.Should().Contain("updated=4\n");
    }

    [SshdFact]
    public void AutoBackup_NothingChanged_PrintsNothing()
    {
        var host = sshd.AddHost(HostNames.Next());

        host.Run(AutoBackup).Should().Be(new CommandOutcome("", "", 0, null));
    }

    [SshdFact]
    public void AutoBackup_SilentSaveFailure_SaysSavingExitsZeroAndSavesNothing()
    {
        var host = sshd.AddHost(HostNames.Next(), configure: s => s.Behaviour.AutoBackupSilentlyFails = true);
        using var client = host.Connect();
        var oldKey = sshd.Hosts.Get(host.HostName).Config.RecoveryKey;
        Rotate(client, host);

        var first = SimulatedHostConnection.Run(client, AutoBackup);
        var second = SimulatedHostConnection.Run(client, AutoBackup);

        first.Should().Be(new CommandOutcome("Saving current state in /bootbank\n", "", 0, null));
        second.Stdout.Should().Be("Saving current state in /bootbank\n", "a second run shows the first save did not happen");
        var state = sshd.Hosts.Get(host.HostName);
        state.IsConfigDirty.Should().BeTrue();
        state.SavedConfig.RecoveryKey.Should().Be(oldKey);
    }

    [SshdFact]
    public void BackupSh_Zero_SavesAndExitsZero()
    {
        var host = sshd.AddHost(HostNames.Next());
        using var client = host.Connect();
        Rotate(client, host);

        SimulatedHostConnection.Run(client, "/bin/backup.sh 0").Should().Be(new CommandOutcome("", "", 0, null));

        sshd.Hosts.Get(host.HostName).IsConfigDirty.Should().BeFalse();
    }

    [SshdFact]
    public void BackupSh_LockFailure_ExitsOneAndSavesNothing()
    {
        var host = sshd.AddHost(HostNames.Next(), configure: s => s.Behaviour.BackupLockFails = true);
        using var client = host.Connect();
        Rotate(client, host);

        var outcome = SimulatedHostConnection.Run(client, "/bin/backup.sh 0");

        outcome.ExitStatus.Should().Be(1);
        outcome.Stderr.Should().Be("Failed to acquire lock on /bootbank: resource busy\n");
        sshd.Hosts.Get(host.HostName).IsConfigDirty.Should().BeTrue();
    }

    [SshdFact]
    public void PowerCycle_UnsavedRotate_IsLost()
    {
        var host = sshd.AddHost(HostNames.Next());
        var oldKey = sshd.Hosts.Get(host.HostName).Config.RecoveryKey;
        using (var client = host.Connect())
            Rotate(client, host);

        sshd.Hosts.PowerCycle(host.HostName);

        sshd.Hosts.Get(host.HostName).Config.RecoveryKey.Should().Be(oldKey);
    }

    [SshdFact]
    public void Reboot_OrderlyReboot_SavesAndStartsNewBoot()
    {
        var host = sshd.AddHost(HostNames.Next(), configure: s => s.BootTime = DateTimeOffset.UtcNow.AddDays(-3));
        var before = sshd.Hosts.Get(host.HostName);
        using (var client = host.Connect())
        {
            var newKey = Rotate(client, host);
            SimulatedHostConnection.Run(client, "reboot").Should().Be(new CommandOutcome("", "", 0, null));
            newKey.Should().NotBe(before.Config.RecoveryKey);
        }

        var after = sshd.Hosts.Get(host.HostName);
        after.BootTime.Should().BeAfter(before.BootTime);
        after.SavedConfig.RecoveryKey.Should().Be(after.Config.RecoveryKey, "ESXi saves its state at an orderly shutdown");
        after.Power.Should().Be(PowerState.Running);
    }

    [SshdFact]
    public void Reboot_RequireSecureBootButFirmwareSecureBootTurnedOff_StopsWithSecurityViolation()
    {
        var host = sshd.AddHost(HostNames.Next(), configure: s =>
        {
            s.Hardware.FirmwareSecureBoot = true;
            s.Config.RequireSecureBoot = true;
        });
        sshd.Hosts.SetFirmwareSecureBoot(host.HostName, enabled: false);

        sshd.Hosts.PowerCycle(host.HostName);

        var state = sshd.Hosts.Get(host.HostName);
        state.Power.Should().Be(PowerState.WaitingForRecovery);
        state.BootFailure.Should().Be("Unable to restore system configuration. A security violation was detected.");
        var run = () => host.Run("vmware -v");
        run.Should().Throw<SshConnectionException>("a host stopped at boot does not answer commands");
    }

    [SshdFact]
    public void ReplaceTpm_HostWaitsForRecoveryKey_ThenRecoversAndReseals()
    {
        var host = sshd.AddHost(HostNames.Next());
        var key = sshd.Hosts.Get(host.HostName).Config.RecoveryKey;

        sshd.Hosts.ReplaceTpm(host.HostName, "NTC");

        sshd.Hosts.Get(host.HostName).BootFailure.Should().Be("Failed to decrypt system configuration.");
        host.Invoking(h => h.Run("vmware -v")).Should().Throw<SshConnectionException>();
        sshd.Hosts.BootWithRecoveryKey(host.HostName, OtherKey(key)).Should().BeFalse();
        sshd.Hosts.BootWithRecoveryKey(host.HostName, key).Should().BeTrue();

        var recovered = sshd.Hosts.Get(host.HostName);
        recovered.BootedWithRecoveryKey.Should().BeTrue();
        recovered.Power.Should().Be(PowerState.Running);
        host.Run(AutoBackup).Stdout.Should().Be("Saving current state in /bootbank\n", "the configuration must be resealed to the new TPM");
        sshd.Hosts.PowerCycle(host.HostName);
        sshd.Hosts.Get(host.HostName).Power.Should().Be(PowerState.Running, "after the reseal the host boots on its own");
    }

    [SshdFact]
    public void ReplaceTpm_WithoutResealBeforeNextBoot_NeedsKeyAgain()
    {
        var host = sshd.AddHost(HostNames.Next());
        var key = sshd.Hosts.Get(host.HostName).Config.RecoveryKey;
        sshd.Hosts.ReplaceTpm(host.HostName);
        sshd.Hosts.BootWithRecoveryKey(host.HostName, key).Should().BeTrue();

        sshd.Hosts.PowerCycle(host.HostName);

        sshd.Hosts.Get(host.HostName).Power.Should().Be(PowerState.WaitingForRecovery);
    }

    private string Rotate(Renci.SshNet.SshClient client, SimulatedHostConnection host)
    {
        var id = sshd.Hosts.Get(host.HostName).Config.RecoveryId;
        SimulatedHostConnection.Run(client, $"esxcli system settings encryption recovery rotate -u {id}").ExitStatus.Should().Be(0);
        return sshd.Hosts.Get(host.HostName).Config.RecoveryKey;
    }

    private static string OtherKey(string key) => RecoveryAssist.Core.Keys.RecoveryKey.Generate() is var other && other.Reveal() != key
        ? other.Reveal()
        : throw new InvalidOperationException("two random keys collided");
}
