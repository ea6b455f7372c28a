using RecoveryAssist.EndToEnd.Tests.HostOps;
using RecoveryAssist.EndToEnd.Tests.Infrastructure;
using RecoveryAssist.EsxiSimulator.State;
using RecoveryAssist.Server.Features.Alerts;
using RecoveryAssist.Server.Features.HostOps;
using RecoveryAssist.Server.Features.Policy;
using static RecoveryAssist.EndToEnd.Tests.Policy.PolicyHosts;

namespace RecoveryAssist.EndToEnd.Tests.Policy;

/// <summary>What the report and <c>policy show</c> tell people: saved vs running, unknown facts, ESXi's refusals, a setting that must survive a power cut.</summary>
[Collection(SshdCollection.Name)]
public sealed class PolicyTruthTests(SshdFixture sshd) : IAsyncLifetime
{
    private HostOpsAppliance _appliance = null!;

    public async Task InitializeAsync() => _appliance = await HostOpsAppliance.StartAsync(Settings);

    public async Task DisposeAsync() => await _appliance.DisposeAsync();

    [SshdFact]
    public async Task ModeTpmSaveFails_ReportShowsPolicyNotSavedWithSavedModeUntilTheSaveIsConfirmed()
    {
        var tag = "truth-" + Guid.NewGuid().ToString("N")[..8];
        var (connection, host) = await CollectedAsync(_appliance, sshd, s =>
        {
            ModeNone(s);
            s.Behaviour.AutoBackupSilentlyFails = true;
        }, [tag]);

        var job = await _appliance.WaitAsync(Change(_appliance, host.Id, new PolicyChangeInput("tpm", ConfirmIrreversible: true, TpmEnabledInFirmware: true)).Job!.Id);

        job.State.Should().Be(JobState.Failed);
        var state = sshd.Hosts.Get(connection.HostName);
        (state.Config.Mode, state.SavedConfig.Mode).Should().Be((EncryptionMode.Tpm, EncryptionMode.None), "set, but not saved");
        var report = _appliance.Policy.Report(tag);
        var row = report.Hosts.Should().ContainSingle().Subject;
        row.Fields.Single(f => f.Field == "mode").Should().Be(new PolicyFieldView("mode", "tpm", "none", false));
        row.Saved.Mode.Should().Be(Core.Esxcli.ProtectionMode.None);
        row.PolicySaved.Should().BeFalse();
        row.Compliant.Should().BeFalse();
        var notSaved = row.Findings.Should().Contain(f => f.Code == "policy-not-saved").Subject;
        notSaved.Problem.Should().Contain("Mode TPM runs now, the saved configuration has NONE");
        row.Next.Should().Be($"save it: recoveryassist job retry {job.Id} (it goes on from the save)");
        row.Findings.Should().NotContain(f => f.Code == "secure-boot-not-enforced" && f.NextStep.StartsWith("recoveryassist policy set", StringComparison.Ordinal),
            "the hardening steps wait for Mode TPM to be saved");
        report.Summary.NotSaved.Should().Be(1);
        _appliance.Policy.Show(host.Id).Host.Findings.Should().Contain(f => f.Code == "policy-not-saved");

        sshd.Hosts.Update(connection.HostName, s => s.Behaviour.AutoBackupSilentlyFails = false);
        _appliance.Jobs.Retry(job.Id, HostOpsAppliance.Tester);
        (await _appliance.WaitAsync(job.Id)).State.Should().Be(JobState.Succeeded);

        var after = _appliance.Policy.Report(tag).Hosts.Single();
        after.PolicySaved.Should().BeTrue();
        after.Findings.Should().NotContain(f => f.Code == "policy-not-saved");
        sshd.Hosts.Get(connection.HostName).SavedConfig.Mode.Should().Be(EncryptionMode.Tpm);
    }

    [SshdFact]
    public async Task SecureBootSaveExitsZeroButSavesNothing_NotTakenForASave_ReportShowsPolicyNotSaved()
    {
        var tag = "truth-" + Guid.NewGuid().ToString("N")[..8];
        var (connection, host) = await CollectedAsync(_appliance, sshd, s =>
        {
            s.Hardware.FirmwareSecureBoot = true;
            s.Behaviour.BackupNowSilentlyFails = true;
        }, [tag]);

        var job = await _appliance.WaitAsync(Change(_appliance, host.Id, new PolicyChangeInput(RequireSecureBoot: true)).Job!.Id);

        job.State.Should().Be(JobState.Failed, "backup.sh 0 exited 0, but state.tgz was not written");
        job.Error.Should().Contain("backup.sh 0 said it saved, but /bootbank/state.tgz is not newer");
        _appliance.Alerts.List(host.Id, 0, 10).Should().Contain(a => a.Kind == AlertKind.BackupFailed && a.JobId == job.Id);
        var state = sshd.Hosts.Get(connection.HostName);
        (state.Config.RequireSecureBoot, state.SavedConfig.RequireSecureBoot).Should().Be((true, false), "set, but not saved");
        var row = _appliance.Policy.Report(tag).Hosts.Should().ContainSingle().Subject;
        row.PolicySaved.Should().BeFalse();
        row.Findings.Should().Contain(f => f.Code == "policy-not-saved");

        sshd.Hosts.Update(connection.HostName, s => s.Behaviour.BackupNowSilentlyFails = false);
        _appliance.Jobs.Retry(job.Id, HostOpsAppliance.Tester);
        (await _appliance.WaitAsync(job.Id)).State.Should().Be(JobState.Succeeded);

        _appliance.Policy.Report(tag).Hosts.Single().PolicySaved.Should().BeTrue();
        sshd.Hosts.Get(connection.HostName).SavedConfig.RequireSecureBoot.Should().BeTrue();
    }

    [SshdFact]
    public async Task ForcedNeverCollectedHost_NextStepIsCollectFirst()
    {
        var connection = sshd.AddHost(HostNames.Next("pol"), configure: SecureBootEnforced);
        var host = _appliance.Enrol(connection);

        var view = Change(_appliance, host.Id, new PolicyChangeInput(RequireSecureBoot: false, Force: true, Reason: "lab host, test"), mayForce: true);
        (await _appliance.WaitAsync(view.Job!.Id)).State.Should().Be(JobState.Succeeded);

        var shown = _appliance.Policy.Show(host.Id).Host;
        shown.Facts.FirmwareSecureBoot.Should().BeNull("the firmware was never read");
        shown.Next.Should().StartWith("collect first (its firmware facts are unknown): ");
        shown.Findings.Should().NotContain(f => f.NextStep.Contains("enable Secure Boot in firmware", StringComparison.Ordinal), "Secure Boot is on in the firmware; the appliance just does not know");

        (await _appliance.RunAsync(JobKind.Collect, host.Id)).State.Should().Be(JobState.Succeeded);
        _appliance.Policy.Show(host.Id).Host.Next.Should().Be($"recoveryassist policy set {host.Name} --require-secure-boot on");
    }

    [SshdFact]
    public async Task EnableExec_PowerCutBetweenKernelSetAndReboot_SettingSurvivesAndJobFinishes()
    {
        var (connection, host) = await CollectedAsync(_appliance, sshd, SecureBootEnforced);

        var waiting = await _appliance.WaitForStateAsync(Change(_appliance, host.Id, new PolicyChangeInput(RequireExecInstalledOnly: true)).Job!.Id, JobState.NeedsPerson);

        waiting.Attention.Should().StartWith("reboot required");
        Changes(sshd, connection.HostName).Should().Equal(KernelSetExec, BackupNow);
        sshd.Hosts.Get(connection.HostName).SavedConfig.ExecInstalledOnlyConfigured.Should().BeTrue("saved before the job asked for the reboot");

        sshd.Hosts.PowerCycle(connection.HostName);
        var job = await _appliance.WaitAsync(waiting.Id);

        job.State.Should().Be(JobState.Succeeded, job.Error);
        var state = sshd.Hosts.Get(connection.HostName);
        (state.ExecInstalledOnlyRuntime, state.SavedConfig.RequireExecInstalledOnly).Should().Be((true, true));
        _appliance.Alerts.List(new AlertQuery(HostId: host.Id), 0, 10).Should().OnlyContain(a => a.State == AlertState.Resolved, "the wait for the reboot ended");
    }

    [SshdFact]
    public async Task KernelSettingGoneAfterReboot_JobFailsWithSettingLostNotPolicyRefused()
    {
        var (connection, host) = await CollectedAsync(_appliance, sshd, SecureBootEnforced);
        var waiting = await _appliance.WaitForStateAsync(Change(_appliance, host.Id, new PolicyChangeInput(RequireExecInstalledOnly: true)).Job!.Id, JobState.NeedsPerson);

        // Someone set it back and saved before the reboot.
        sshd.Hosts.Update(connection.HostName, s =>
        {
            s.Config.ExecInstalledOnlyConfigured = false;
            s.SavedConfig.ExecInstalledOnlyConfigured = false;
        });
        sshd.Hosts.Reboot(connection.HostName);
        var job = await _appliance.WaitAsync(waiting.Id);

        job.State.Should().Be(JobState.Failed);
        job.Error.Should().Contain("execInstalledOnly is FALSE for the next boot again");
        var kinds = _appliance.Alerts.List(new AlertQuery(HostId: host.Id), 0, 10).Where(a => a.JobId == job.Id).Select(a => a.Kind).ToList();
        kinds.Should().Contain(AlertKind.SettingLost).And.NotContain(AlertKind.PolicyRefused);
    }

    [SshdFact]
    public async Task ModeTpmRefused_ReportShowsTheRefusalAndDoesNotOfferTheSameCommand()
    {
        var (_, host) = await CollectedAsync(_appliance, sshd, s =>
        {
            ModeNone(s);
            s.Behaviour.TpmModeFails = true;
        });

        var job = await _appliance.WaitAsync(Change(_appliance, host.Id, new PolicyChangeInput("tpm", ConfirmIrreversible: true, TpmEnabledInFirmware: true)).Job!.Id);
        job.State.Should().Be(JobState.Failed);

        var shown = _appliance.Policy.Show(host.Id).Host;
        var refused = shown.Findings.Should().Contain(f => f.Code == "policy-refused").Subject;
        refused.Problem.Should().StartWith("ESXi refused set --mode=TPM. Unmet prerequisite:").And.Contain(job.Id.ToString());
        shown.Next.Should().StartWith("meet the prerequisite ESXi named");
        shown.Findings.Should().NotContain(f => f.NextStep.Contains("--mode tpm", StringComparison.Ordinal), "the same command is not offered again on the same facts");
    }
}
