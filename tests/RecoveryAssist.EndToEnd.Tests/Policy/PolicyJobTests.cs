using RecoveryAssist.EndToEnd.Tests.HostOps;
using RecoveryAssist.EndToEnd.Tests.Infrastructure;
using RecoveryAssist.EsxiSimulator.State;
using RecoveryAssist.Server.Features.Alerts;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Features.HostOps;
using RecoveryAssist.Server.Features.Policy;
using RecoveryAssist.Server.Hosting;
using static RecoveryAssist.EndToEnd.Tests.Policy.PolicyHosts;

namespace RecoveryAssist.EndToEnd.Tests.Policy;

/// <summary>Policy jobs against the simulator over the real sshd: each change in ESXi's order, each stop for a person and the way on from it.</summary>
[Collection(SshdCollection.Name)]
public sealed class PolicyJobTests(SshdFixture sshd) : IAsyncLifetime
{
    private readonly List<HostOpsAppliance> _stopped = [];
    private HostOpsAppliance _appliance = null!;

    public async Task InitializeAsync() => _appliance = await HostOpsAppliance.StartAsync(Settings);

    public async Task DisposeAsync()
    {
        await _appliance.DisposeAsync();
        // Last: the first appliance owns the data directory a restarted one ran on.
        foreach (var stopped in _stopped)
            await stopped.DisposeAsync();
    }

    [SshdFact]
    public async Task EnableSecureBoot_FirmwareOn_SetVerifiedSavedAndKeyReadAgain()
    {
        var (connection, host) = await CollectedAsync(_appliance, sshd, s => s.Hardware.FirmwareSecureBoot = true);
        var mark = sshd.Hosts.Get(connection.HostName).CommandLog.Count;

        var view = Change(_appliance, host.Id, new PolicyChangeInput(RequireSecureBoot: true));
        var job = await _appliance.WaitAsync(view.Job!.Id);

        job.State.Should().Be(JobState.Succeeded, job.Error);
        var state = sshd.Hosts.Get(connection.HostName);
        state.Config.RequireSecureBoot.Should().BeTrue();
        state.SavedConfig.RequireSecureBoot.Should().BeTrue("backup.sh 0 persisted it");
        Changes(sshd, connection.HostName, mark).Should().Equal(SetSecureBootOn, BackupNow);
        var commands = Commands(sshd, connection.HostName, mark);
        commands.IndexOf(SetSecureBootOn).Should().BeGreaterThan(commands.IndexOf("/usr/lib/vmware/secureboot/bin/secureBoot.py -s"), "the firmware is checked first");
        commands.LastIndexOf(List).Should().BeGreaterThan(commands.IndexOf(BackupNow), "the key is read again after the change");
        commands.IndexOf(List).Should().BeLessThan(commands.IndexOf(SetSecureBootOn), "the key is escrowed and verified before the change");
        job.Steps.Single(s => s.Kind == StepKind.VerifyPolicy).Output.Should().Contain("Require Secure Boot True");
        _appliance.Escrow.GetHost(host.Id).Security.RequireSecureBoot.Should().BeTrue("the job records what it read");
        _appliance.Audit(host).Should().Contain(r => r.Action == "host.policy-change" && r.Detail!.StartsWith("set --require-secure-boot=T", StringComparison.Ordinal));
        _appliance.AssertInvariant(sshd, connection.HostName, host.Id, "after enabling Secure Boot");
    }

    [SshdFact]
    public async Task EnableSecureBoot_FirmwareOff_WaitsForPersonThenGoesOnAfterFirmwareAndReboot()
    {
        var (connection, host) = await CollectedAsync(_appliance, sshd);

        var view = Change(_appliance, host.Id, new PolicyChangeInput(RequireSecureBoot: true));
        view.Warnings.Should().Contain(w => w.Contains("will wait for a person to enable it in firmware", StringComparison.Ordinal));
        var waiting = await _appliance.WaitForStateAsync(view.Job!.Id, JobState.NeedsPerson);

        waiting.Attention.Should().StartWith("enable Secure Boot in firmware and reboot");
        waiting.Steps.Single(s => s.State == StepState.Waiting).Kind.Should().Be(StepKind.CheckSecureBootReady);
        sshd.Hosts.Get(connection.HostName).Config.RequireSecureBoot.Should().BeFalse();
        Commands(sshd, connection.HostName).Should().NotContain(SetSecureBootOn, "nothing is tried while the firmware is off");
        _appliance.Alerts.List(host.Id, 0, 10).Should().ContainSingle(a => a.Kind == AlertKind.NeedsPerson && a.JobId == waiting.Id);
        _appliance.Policy.Show(host.Id).Host.Next.Should().StartWith("enable Secure Boot in firmware and reboot");

        // The person: firmware setup, Secure Boot on, boot.
        sshd.Hosts.SetFirmwareSecureBoot(connection.HostName, true);
        sshd.Hosts.Reboot(connection.HostName);
        var job = await _appliance.WaitAsync(waiting.Id);

        job.State.Should().Be(JobState.Succeeded, job.Error);
        job.Attention.Should().BeNull();
        sshd.Hosts.Get(connection.HostName).SavedConfig.RequireSecureBoot.Should().BeTrue();
        _appliance.Alerts.List(host.Id, 0, 10).Where(a => a.Kind == AlertKind.NeedsPerson).Should().ContainSingle("the alert is raised once, not at every re-check")
            .Which.State.Should().Be(AlertState.Resolved, "the job no longer waits");
        _appliance.Policy.Show(host.Id).Host.Findings.Should().NotContain(f => f.Code == "secure-boot-not-enforced");
    }

    [SshdFact]
    public async Task EnableExec_SetsKernelOptionWaitsForRebootThenEnforces()
    {
        var (connection, host) = await CollectedAsync(_appliance, sshd, SecureBootEnforced);
        var bootTime = sshd.Hosts.Get(connection.HostName).BootTime;

        var view = Change(_appliance, host.Id, new PolicyChangeInput(RequireExecInstalledOnly: true));
        var waiting = await _appliance.WaitForStateAsync(view.Job!.Id, JobState.NeedsPerson);

        waiting.Attention.Should().StartWith("reboot required");
        var state = sshd.Hosts.Get(connection.HostName);
        state.Config.ExecInstalledOnlyConfigured.Should().BeTrue();
        state.RebootPending.Should().BeTrue();
        state.Config.RequireExecInstalledOnly.Should().BeFalse("the policy waits for the reboot");
        Changes(sshd, connection.HostName).Should().Equal(KernelSetExec, BackupNow);

        // Resuming before the reboot only looks again: still waiting.
        var attempts = waiting.Steps.Single(s => s.Kind == StepKind.WaitForReboot).Attempts;
        _appliance.Jobs.Resume(waiting.Id, HostOpsAppliance.Tester);
        await WaitUntilAsync(() => _appliance.Jobs.Get(waiting.Id).Steps.Single(s => s.Kind == StepKind.WaitForReboot).Attempts > attempts);
        (await _appliance.WaitForStateAsync(waiting.Id, JobState.NeedsPerson)).Attention.Should().StartWith("reboot required");

        sshd.Hosts.Reboot(connection.HostName);
        var job = await _appliance.WaitAsync(waiting.Id);

        job.State.Should().Be(JobState.Succeeded, job.Error);
        job.Steps.Single(s => s.Kind == StepKind.WaitForReboot).Output.Should().StartWith("the host rebooted; execInstalledOnly TRUE at runtime");
        state = sshd.Hosts.Get(connection.HostName);
        state.BootTime.Should().BeAfter(bootTime);
        state.SavedConfig.RequireExecInstalledOnly.Should().BeTrue();
        Changes(sshd, connection.HostName).Should().Equal(KernelSetExec, BackupNow, SetExecOn, BackupNow);
        _appliance.Audit(host).Should().Contain(r => r.Action == "job.resumed");
        var late = () => _appliance.Jobs.Resume(waiting.Id, HostOpsAppliance.Tester);
        late.Should().Throw<ProblemException>().WithMessage("*is finished (succeeded): there is nothing to resume*");
    }

    [SshdFact]
    public async Task ModeNoneToHardened_ModeThenSecureBootThenExec_NewKeyEscrowedBeforeItIsSaved()
    {
        var (connection, host) = await CollectedAsync(_appliance, sshd, ModeNone);
        _appliance.Escrow.KeyVersions(host.Id).Should().BeEmpty("a host in Mode NONE lists no key");

        var view = Change(_appliance, host.Id, new PolicyChangeInput("tpm", true, true, ConfirmIrreversible: true, TpmEnabledInFirmware: true));
        view.Warnings.Should().Contain("Mode TPM cannot be undone");
        var waiting = await _appliance.WaitForStateAsync(view.Job!.Id, JobState.NeedsPerson);
        var state = sshd.Hosts.Get(connection.HostName);
        _appliance.Escrowed(host.Id, state.Config.RecoveryId, state.Config.RecoveryKey).Should().NotBeNull("the key Mode TPM created is escrowed");
        sshd.Hosts.Reboot(connection.HostName);
        var job = await _appliance.WaitAsync(waiting.Id);

        job.State.Should().Be(JobState.Succeeded, job.Error);
        state = sshd.Hosts.Get(connection.HostName);
        state.SavedConfig.Mode.Should().Be(EncryptionMode.Tpm);
        state.SavedConfig.RequireSecureBoot.Should().BeTrue();
        state.SavedConfig.RequireExecInstalledOnly.Should().BeTrue();
        Changes(sshd, connection.HostName).Should().Equal(SetModeTpm, AutoBackup, SetSecureBootOn, BackupNow, KernelSetExec, BackupNow, SetExecOn, BackupNow);
        var commands = Commands(sshd, connection.HostName);
        commands.IndexOf(List, commands.IndexOf(SetModeTpm)).Should().BeLessThan(commands.IndexOf(AutoBackup), "the new key is escrowed before anything saves it");
        _appliance.AssertInvariant(sshd, connection.HostName, host.Id, "after Mode TPM");
        _appliance.Escrow.KeyVersions(host.Id).Should().ContainSingle().Which.Source.Should().Be(KeySource.Resealed);
        _appliance.Policy.Show(host.Id).Host.Compliant.Should().BeTrue();
    }

    [SshdFact]
    public async Task ModeTpm_TpmNotPresent_WaitsForPersonThenGoesOnWhenTpmEnabled()
    {
        var (connection, host) = await CollectedAsync(_appliance, sshd, s =>
        {
            ModeNone(s);
            s.Hardware.TpmPresent = false;
        });

        var view = Change(_appliance, host.Id, new PolicyChangeInput("tpm", ConfirmIrreversible: true, TpmEnabledInFirmware: true));
        view.Warnings.Should().Contain(w => w.Contains("reported no TPM", StringComparison.Ordinal));
        var waiting = await _appliance.WaitForStateAsync(view.Job!.Id, JobState.NeedsPerson);

        waiting.Attention.Should().StartWith("enable the TPM 2.0 in the host's firmware");
        Changes(sshd, connection.HostName).Should().BeEmpty();

        sshd.Hosts.Update(connection.HostName, s => s.Hardware.TpmPresent = true);
        sshd.Hosts.Reboot(connection.HostName);
        var job = await _appliance.WaitAsync(waiting.Id);

        job.State.Should().Be(JobState.Succeeded, job.Error);
        sshd.Hosts.Get(connection.HostName).SavedConfig.Mode.Should().Be(EncryptionMode.Tpm);
        _appliance.AssertInvariant(sshd, connection.HostName, host.Id, "after Mode TPM");
    }

    [SshdFact]
    public async Task DisableBoth_ExecFirstThenSecureBoot_EachVerifiedAndSaved()
    {
        var (connection, host) = await CollectedAsync(_appliance, sshd, Hardened);

        var view = Change(_appliance, host.Id, new PolicyChangeInput(RequireSecureBoot: false, RequireExecInstalledOnly: false));
        var job = await _appliance.WaitAsync(view.Job!.Id);

        job.State.Should().Be(JobState.Succeeded, job.Error);
        Changes(sshd, connection.HostName).Should().Equal(SetExecOff, BackupNow, SetSecureBootOff, BackupNow);
        var state = sshd.Hosts.Get(connection.HostName);
        state.SavedConfig.RequireExecInstalledOnly.Should().BeFalse();
        state.SavedConfig.RequireSecureBoot.Should().BeFalse();
        state.Config.ExecInstalledOnlyConfigured.Should().BeTrue("disabling the enforcement leaves the kernel setting alone");
        job.Steps.Where(s => s.Kind == StepKind.VerifyPolicy).Should().HaveCount(2).And.OnlyContain(s => s.State == StepState.Succeeded);
    }

    [SshdFact]
    public async Task BackupFails_JobStopsAtTheSaveWithAlert_RetryFinishesWithoutChangingAgain()
    {
        var (connection, host) = await CollectedAsync(_appliance, sshd, s =>
        {
            s.Hardware.FirmwareSecureBoot = true;
            s.Behaviour.BackupLockFails = true;
        });

        var job = await _appliance.WaitAsync(Change(_appliance, host.Id, new PolicyChangeInput(RequireSecureBoot: true)).Job!.Id);

        job.State.Should().Be(JobState.Failed);
        job.Error.Should().StartWith("BackupNow: backup.sh 0 exited 1: 'Failed to acquire lock on /bootbank");
        _appliance.Alerts.List(host.Id, 0, 10).Should().Contain(a => a.Kind == AlertKind.BackupFailed && a.JobId == job.Id);
        var state = sshd.Hosts.Get(connection.HostName);
        (state.Config.RequireSecureBoot, state.SavedConfig.RequireSecureBoot).Should().Be((true, false), "set, but not saved");

        sshd.Hosts.Update(connection.HostName, s => s.Behaviour.BackupLockFails = false);
        _appliance.Jobs.Retry(job.Id, HostOpsAppliance.Tester);
        job = await _appliance.WaitAsync(job.Id);

        job.State.Should().Be(JobState.Succeeded, job.Error);
        sshd.Hosts.Get(connection.HostName).SavedConfig.RequireSecureBoot.Should().BeTrue();
        Changes(sshd, connection.HostName).Count(c => c == SetSecureBootOn).Should().Be(1, "the retry starts at the save");
    }

    [SshdFact]
    public async Task Cancel_JobWaitingForPerson_EndsAtOnceHostUnchanged()
    {
        var (connection, host) = await CollectedAsync(_appliance, sshd);
        var waiting = await _appliance.WaitForStateAsync(Change(_appliance, host.Id, new PolicyChangeInput(RequireSecureBoot: true)).Job!.Id, JobState.NeedsPerson);
        var busy = () => Change(_appliance, host.Id, new PolicyChangeInput(RequireSecureBoot: true));
        busy.Should().Throw<RecoveryAssist.Server.Hosting.ProblemException>().Which.Code.Should().Be("host-busy");

        var attempts = waiting.Steps.Single(s => s.Kind == StepKind.CheckSecureBootReady).Attempts;

        var cancelled = _appliance.Jobs.Cancel(waiting.Id, HostOpsAppliance.Tester);

        cancelled.State.Should().Be(JobState.Cancelled);
        // A collection takes longer than the re-check interval (1 s): a re-check still armed would have run meanwhile.
        sshd.Hosts.SetFirmwareSecureBoot(connection.HostName, true);
        (await _appliance.RunAsync(JobKind.Collect, host.Id)).State.Should().Be(JobState.Succeeded);
        var after = _appliance.Jobs.Get(waiting.Id);
        after.State.Should().Be(JobState.Cancelled);
        after.Steps.Single(s => s.Kind == StepKind.CheckSecureBootReady).Attempts.Should().BeLessThanOrEqualTo(attempts + 1);
        Changes(sshd, connection.HostName).Should().BeEmpty();
    }

    [SshdFact]
    public async Task Restart_WhileWaitingForReboot_JobResumesAndFinishes()
    {
        var (connection, host) = await CollectedAsync(_appliance, sshd, SecureBootEnforced);
        var jobId = Change(_appliance, host.Id, new PolicyChangeInput(RequireExecInstalledOnly: true)).Job!.Id;
        await _appliance.WaitForStateAsync(jobId, JobState.NeedsPerson);
        var first = _appliance;

        await first.StopAsync();
        _stopped.Add(first);
        sshd.Hosts.Reboot(connection.HostName);
        _appliance = await HostOpsAppliance.StartInAsync(first.DataDirectory, Settings);
        var job = await _appliance.WaitAsync(jobId);

        job.State.Should().Be(JobState.Succeeded, job.Error);
        sshd.Hosts.Get(connection.HostName).SavedConfig.RequireExecInstalledOnly.Should().BeTrue();
        Changes(sshd, connection.HostName).Count(c => c == KernelSetExec).Should().Be(1, "the kernel setting is not set twice");
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("condition not met within 30 s");
            await Task.Delay(25);
        }
    }
}
