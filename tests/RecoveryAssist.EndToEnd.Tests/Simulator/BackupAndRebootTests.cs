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

        first.ExitStatus.Should().Be(0);
        first.Stdout.Should().MatchRegex(@"^Saving current state in /bootbank\nClock updated\.\nTime: \d\d:\d\d:\d\d   Date: \d\d/\d\d/\d{4}   UTC\n$", "the three-line form of published transcripts");
        second.Should().Be(new CommandOutcome("", "", 0, null), "nothing changed since the save");
        var state = sshd.Hosts.Get(host.HostName);
        state.SavedConfig.RecoveryKey.Should().Be(state.Config.RecoveryKey);
        SimulatedHostConnection.Run(client, "cat /bootbank/boot.cfg").Stdout.Should().Contain("updated=3\n", "a plain backup is not documented to move the counter");
    }

    [SshdFact]
    public void AutoBackup_BootbankMissing_PrintsErrorLineExitsZeroSavesNothing()
    {
        var host = sshd.AddHost(HostNames.Next(), configure: s => s.Behaviour.AutoBackupErrorLine = true);
        using var client = host.Connect();
        var before = SimulatedHostConnection.Run(client, "stat -c %Y /bootbank/state.tgz").Stdout;
        Rotate(client, host);

        var outcome = SimulatedHostConnection.Run(client, AutoBackup);

        outcome.Should().Be(new CommandOutcome("Bootbank cannot be found at path '/bootbank'\n", "", 0, null));
        SimulatedHostConnection.Run(client, "stat -c %Y /bootbank/state.tgz").Stdout.Should().Be(before);
        var state = sshd.Hosts.Get(host.HostName);
        state.SavedConfig.RecoveryKey.Should().NotBe(state.Config.RecoveryKey, "rotate changed the running key only");
    }

    [SshdTheory]
    [InlineData(true, FullTimeShape.Iso, @"^\d+\n$")]
    [InlineData(false, FullTimeShape.Iso, @"^-rwx------ +1 root +root +\d+ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{9} \+0000 /bootbank/state\.tgz\n$")]
    [InlineData(false, FullTimeShape.CTime, @"^-rwx------ +1 root +root +\d+ \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} /bootbank/state\.tgz\n$")]
    public void StateTgzTime_HostVariants_StatOrLsAnswers(bool stat, FullTimeShape ls, string pattern)
    {
        var host = sshd.AddHost(HostNames.Next(), configure: s => { s.Behaviour.StatAvailable = stat; s.Behaviour.LsFullTime = ls; });

        var outcome = host.Run(stat ? "stat -c %Y /bootbank/state.tgz" : "ls -l --full-time /bootbank/state.tgz");

        outcome.ExitStatus.Should().Be(0);
        outcome.Stdout.Should().MatchRegex(pattern);
        if (!stat)
            host.Run("stat -c %Y /bootbank/state.tgz").ExitStatus.Should().Be(127, "this busybox has no stat");
    }

    [SshdFact]
    public void PowerCycle_AfterUnsavedRotate_RunningKeyRevertsToSaved()
    {
        var host = sshd.AddHost(HostNames.Next());
        var saved = sshd.Hosts.Get(host.HostName).SavedConfig.RecoveryKey;
        using (var client = host.Connect())
            Rotate(client, host);
        sshd.Hosts.Get(host.HostName).Config.RecoveryKey.Should().NotBe(saved, "rotate changes the running key");

        sshd.Hosts.PowerCycle(host.HostName);

        sshd.Hosts.Get(host.HostName).Config.RecoveryKey.Should().Be(saved, "a crash loses what was not saved");
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

        first.Stdout.Should().StartWith("Saving current state in /bootbank\nClock updated.\n");
        first.ExitStatus.Should().Be(0);
        second.Stdout.Should().StartWith("Saving current state in /bootbank\n", "a second run shows the first save did not happen");
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
        host.Run(AutoBackup).Stdout.Should().StartWith("Saving current state in /bootbank\n", "the configuration must be resealed to the new TPM");
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
