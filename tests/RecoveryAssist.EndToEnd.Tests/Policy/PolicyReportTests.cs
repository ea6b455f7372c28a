using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RecoveryAssist.Core.Esxcli;
using RecoveryAssist.EndToEnd.Tests.HostOps;
using RecoveryAssist.EndToEnd.Tests.Infrastructure;
using RecoveryAssist.EsxiSimulator.State;
using RecoveryAssist.Server.Features.HostOps;
using static RecoveryAssist.EndToEnd.Tests.Policy.PolicyHosts;

namespace RecoveryAssist.EndToEnd.Tests.Policy;

/// <summary>Reading the policy (collection), the compliance report over HTTP and the command line, desired policies and apply.</summary>
[Collection(SshdCollection.Name)]
public sealed class PolicyReportTests(SshdFixture sshd) : IAsyncLifetime
{
    private HostOpsAppliance _appliance = null!;

    public async Task InitializeAsync() => _appliance = await HostOpsAppliance.StartAsync(Settings);

    public async Task DisposeAsync() => await _appliance.DisposeAsync();

    [SshdFact]
    public async Task Collect_RecordsModeRequirementsKernelSettingFirmwareTpmAndVersion()
    {
        var (connection, host) = await CollectedAsync(_appliance, sshd, s =>
        {
            SecureBootEnforced(s);
            s.Hardware.TpmVendor = "IFX";
            s.Software.Version = "7.0.3";
        });
        connection.Run(KernelSetExec).ExitStatus.Should().Be(0);

        var job = await _appliance.RunAsync(JobKind.Collect, host.Id);

        job.State.Should().Be(JobState.Succeeded, job.Error);
        job.Steps.Single(s => s.Kind == StepKind.CollectPolicy).Output.Should().Be(
            "Mode Tpm; Require Secure Boot True; Require Executables Only From Installed VIBs False; execInstalledOnly configured TRUE, runtime FALSE (reboot pending)");
        var security = _appliance.Escrow.GetHost(host.Id).Security;
        security.Mode.Should().Be(ProtectionMode.Tpm);
        security.RequireSecureBoot.Should().BeTrue();
        security.RequireExecInstalledOnly.Should().BeFalse();
        security.ExecInstalledOnlyConfigured.Should().BeTrue();
        security.ExecInstalledOnlyRuntime.Should().BeFalse();
        security.FirmwareSecureBoot.Should().BeTrue();
        security.TpmPresent.Should().BeTrue();
        security.TpmVendor.Should().Be("IFX");
        security.PolicyRead.Should().BeCloseTo(DateTime.UtcNow, TimeSpan.FromMinutes(1));
        _appliance.Escrow.GetHost(host.Id).EsxiVersion.Should().Be("7.0.3");
        _appliance.Audit(host).Should().Contain(r => r.Action == "host.facts-collected" && r.Detail!.Contains("execInstalledOnlyConfigured", StringComparison.Ordinal));
        var commands = Commands(sshd, connection.HostName);
        commands.Count(c => c == "/usr/lib/vmware/secureboot/bin/secureBoot.py -s").Should().Be(1, "firmware and TPM are facts, read within the same collection");
    }

    [SshdFact]
    public async Task Collect_ModeNoneHost_NoKeyIsNotAnError()
    {
        var (connection, host) = await CollectedAsync(_appliance, sshd, ModeNone);

        var job = _appliance.Jobs.List(host.Id, null, 0, 1).Single();
        job.Steps[0].Output.Should().Be("no recovery key: the host is in Mode NONE (its configuration is not sealed to a TPM)");
        _appliance.Escrow.GetHost(host.Id).Security.Mode.Should().Be(ProtectionMode.None);
        Commands(sshd, connection.HostName).Should().NotContain(c => c.Contains(" set ", StringComparison.Ordinal));
    }

    [SshdFact]
    public async Task Report_Fleet_EachNonCompliantHostWithItsNextStep_JsonCsvAndCommandLine()
    {
        var tag = "rpt-" + Guid.NewGuid().ToString("N")[..8];
        string[] tags = [tag];
        var (_, hardened) = await CollectedAsync(_appliance, sshd, Hardened, tags);
        var (_, modeNone) = await CollectedAsync(_appliance, sshd, ModeNone, tags);
        var (_, firmwareOff) = await CollectedAsync(_appliance, sshd, tags: tags);
        var (pendingConnection, rebootPending) = await CollectedAsync(_appliance, sshd, SecureBootEnforced, tags);
        pendingConnection.Run(KernelSetExec).ExitStatus.Should().Be(0);
        (await _appliance.RunAsync(JobKind.Collect, rebootPending.Id)).State.Should().Be(JobState.Succeeded);
        var (dangerConnection, danger) = await CollectedAsync(_appliance, sshd, Hardened, tags);
        dangerConnection.Run("esxcli system settings kernel set -s execInstalledOnly -v FALSE").ExitStatus.Should().Be(0);
        (await _appliance.RunAsync(JobKind.Collect, danger.Id)).State.Should().Be(JobState.Succeeded);
        var neverCollected = _appliance.Enrol(sshd.AddHost(HostNames.Next("pol")), tags);
        using var auditor = _appliance.WithToken("auditor");

        var json = await auditor.GetFromJsonAsync<JsonElement>($"/api/reports/policy?tag={tag}");
        var csv = await auditor.GetStringAsync($"/api/reports/policy?format=csv&tag={tag}");

        var hosts = json.GetProperty("hosts").EnumerateArray().ToDictionary(h => h.GetProperty("hostName").GetString()!);
        hosts.Should().HaveCount(6);
        string Next(string name) => hosts[name].GetProperty("next").GetString()!;
        IEnumerable<string> Codes(string name) => hosts[name].GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("code").GetString()!);
        hosts[hardened.Name].GetProperty("compliant").GetBoolean().Should().BeTrue();
        hosts[hardened.Name].GetProperty("next").ValueKind.Should().Be(JsonValueKind.Null);
        Codes(modeNone.Name).Should().Equal("mode-none", "secure-boot-not-enforced", "exec-not-enforced");
        Next(modeNone.Name).Should().Be($"confirm the TPM 2.0 is enabled in the host's firmware, then: recoveryassist policy set {modeNone.Name} --mode tpm --confirm-irreversible --tpm-enabled-in-firmware");
        Next(firmwareOff.Name).Should().StartWith($"enable Secure Boot in firmware and reboot, then: recoveryassist policy set {firmwareOff.Name} --require-secure-boot on");
        Next(rebootPending.Name).Should().Be($"reboot the host (execInstalledOnly TRUE takes effect at boot), then: recoveryassist policy set {rebootPending.Name} --require-exec-installed-only on");
        Codes(danger.Name).Should().StartWith("boot-will-fail");
        Next(danger.Name).Should().StartWith("before any reboot, set execInstalledOnly TRUE again");
        Codes(neverCollected.Name).Should().Equal("no-key", "not-read");
        Next(neverCollected.Name).Should().Be($"collect the host: recoveryassist collect {neverCollected.Name} --wait");
        var summary = json.GetProperty("summary");
        summary.GetProperty("hosts").GetInt32().Should().Be(6);
        summary.GetProperty("compliant").GetInt32().Should().Be(1);
        summary.GetProperty("modeNone").GetInt32().Should().Be(1);
        summary.GetProperty("bootAtRisk").GetInt32().Should().Be(1);
        summary.GetProperty("keyNotEscrowed").GetInt32().Should().Be(1);

        var lines = csv.TrimEnd('\n').Split('\n');
        lines[0].Should().StartWith("host,compliant,next,mode,requireSecureBoot,requireExecInstalledOnly,execInstalledOnlyConfigured,execInstalledOnlyRuntime,firmwareSecureBoot");
        lines.Should().HaveCount(7);
        lines.Single(l => l.StartsWith(modeNone.Name + ",", StringComparison.Ordinal)).Should().Contain(",false,").And.Contain(",NONE,").And.Contain("mode-none: Mode NONE");
        lines.Single(l => l.StartsWith(hardened.Name + ",", StringComparison.Ordinal)).Should().StartWith(hardened.Name + ",true,,TPM,true,true,true,true,true,true,");

        var cli = await PolicyCli.RunAsync(_appliance, _appliance.CreateToken("auditor"), "policy", "report", "--format", "csv", "--tag", tag);
        cli.ExitCode.Should().Be(0, cli.Error);
        cli.Output.Should().Be(csv);
        var cliJson = await PolicyCli.RunAsync(_appliance, _appliance.CreateToken("auditor"), "policy", "report", "--tag", tag);
        JsonDocument.Parse(cliJson.Output).RootElement.GetProperty("summary").GetProperty("hosts").GetInt32().Should().Be(6);
    }

    [SshdFact]
    public async Task DesiredPolicy_TagHostAndDefault_ReportAndApplyFollowThem()
    {
        var lab = "lab-" + Guid.NewGuid().ToString("N")[..6];
        var legacy = "legacy-" + Guid.NewGuid().ToString("N")[..6];
        var token = _appliance.CreateToken("automation");
        async Task<CliResult> Cli(params string[] args) => await PolicyCli.RunAsync(_appliance, token, args);
        var (labConnection, labHost) = await CollectedAsync(_appliance, sshd, s => s.Hardware.FirmwareSecureBoot = true, [lab]);
        var (_, overridden) = await CollectedAsync(_appliance, sshd, tags: [lab]);
        var (_, conflicted) = await CollectedAsync(_appliance, sshd, tags: [lab, legacy]);

        (await Cli("policy", "desired", "set", "--tag", lab, "--require-secure-boot", "on", "--require-exec-installed-only", "off")).ExitCode.Should().Be(0);
        (await Cli("policy", "desired", "set", "--tag", legacy, "--require-secure-boot", "off", "--require-exec-installed-only", "off")).ExitCode.Should().Be(0);
        (await Cli("policy", "desired", "set", "--host", overridden.Name, "--require-secure-boot", "off")).ExitCode.Should().Be(0);
        var invalid = await Cli("policy", "desired", "set", "--tag", lab, "--require-secure-boot", "off", "--require-exec-installed-only", "on");
        var listed = await Cli("policy", "desired", "show");

        invalid.ExitCode.Should().Be(1);
        invalid.Error.Should().Contain("requireExecInstalledOnly: on with requireSecureBoot off cannot be met");
        JsonDocument.Parse(listed.Output).RootElement.EnumerateArray().Select(d => d.GetProperty("scope").GetString()).Should().Contain(["tag", "tag", "host"]);

        var show = _appliance.Policy.Show(labHost.Id);
        show.Host.Desired.RequireSecureBootSource.Should().Be("tag:" + lab);
        show.Host.Desired.RequireExecInstalledOnly.Should().BeFalse();
        show.Host.Findings.Select(f => f.Code).Should().Equal("secure-boot-not-enforced");
        show.Plan.Should().Equal(StepKind.CheckKeyEscrowed, StepKind.CheckSecureBootReady, StepKind.SetRequireSecureBoot, StepKind.VerifyPolicy, StepKind.BackupNow, StepKind.RecollectKey);
        _appliance.Policy.Show(overridden.Id).Host.Compliant.Should().BeTrue("the host's own policy turns Secure Boot off; its tag turns exec off");
        var conflict = _appliance.Policy.Show(conflicted.Id).Host;
        conflict.Findings.Select(f => f.Code).Should().Contain("desired-conflict");
        conflict.Desired.Conflicts.Should().ContainSingle().Which.Should().Contain($"requireSecureBoot: tags disagree ({lab} on, {legacy} off)");

        var cliShow = await Cli("policy", "show", labHost.Name);
        JsonDocument.Parse(cliShow.Output).RootElement.GetProperty("host").GetProperty("next").GetString().Should().Be($"recoveryassist policy set {labHost.Name} --require-secure-boot on");
        var applied = await Cli("policy", "apply", labHost.Name, "--wait");
        var refused = await Cli("policy", "apply", conflicted.Name);

        applied.ExitCode.Should().Be(0, applied.Error);
        var state = sshd.Hosts.Get(labConnection.HostName);
        state.SavedConfig.RequireSecureBoot.Should().BeTrue();
        state.Config.ExecInstalledOnlyConfigured.Should().BeFalse("the desired policy has exec off");
        _appliance.Policy.Show(labHost.Id).Host.Compliant.Should().BeTrue();
        refused.ExitCode.Should().Be(2);
        refused.Error.Should().Contain("is in conflict");

        (await Cli("policy", "desired", "clear", "--tag", legacy)).ExitCode.Should().Be(0);
        _appliance.Policy.Show(conflicted.Id).Host.Desired.Conflicts.Should().BeEmpty();
        _appliance.Audit(labHost).Should().Contain(r => r.Action == "job.created" && r.Detail!.Contains("policy change: Require Secure Boot on", StringComparison.Ordinal));
    }

    [SshdFact]
    public async Task CommandLine_SetWaitsForPersonExit3_ThenResumeFinishesAfterFirmwareAndReboot()
    {
        var (connection, host) = await CollectedAsync(_appliance, sshd);
        var token = _appliance.CreateToken("automation");

        var set = await PolicyCli.RunAsync(_appliance, token, "policy", "set", host.Name, "--require-secure-boot", "on", "--wait");

        set.ExitCode.Should().Be(3, set.Error);
        set.Error.Should().Contain("warning: firmware Secure Boot was not reported Enabled").And.Contain("needs a person: enable Secure Boot in firmware and reboot");
        var jobId = JsonDocument.Parse(set.Output).RootElement.GetProperty("id").GetString()!;
        var technician = _appliance.CreateToken("technician");
        (await PolicyCli.RunAsync(_appliance, technician, "policy", "set", host.Name, "--require-secure-boot", "off")).ExitCode
            .Should().Be(2, "a technician may resume jobs but not change the policy");

        sshd.Hosts.SetFirmwareSecureBoot(connection.HostName, true);
        sshd.Hosts.Reboot(connection.HostName);
        var resumed = await PolicyCli.RunAsync(_appliance, technician, "job", "resume", jobId, "--wait");

        resumed.ExitCode.Should().Be(0, resumed.Error);
        JsonDocument.Parse(resumed.Output).RootElement.GetProperty("state").GetString().Should().Be("succeeded");
        sshd.Hosts.Get(connection.HostName).SavedConfig.RequireSecureBoot.Should().BeTrue();
        var shown = await PolicyCli.RunAsync(_appliance, token, "job", "show", jobId);
        shown.Output.Should().NotContain(sshd.Hosts.Get(connection.HostName).Config.RecoveryKey, "no key reaches job output");
    }

    [SshdFact]
    public async Task CommandLine_SetNothingToChangeOrBadValue_SaysSoOrNamesTheField()
    {
        var (_, host) = await CollectedAsync(_appliance, sshd);
        var token = _appliance.CreateToken("automation");

        var modeWithoutConfirmation = await PolicyCli.RunAsync(_appliance, token, "policy", "set", host.Name, "--mode", "tpm");
        var notOnOff = await PolicyCli.RunAsync(_appliance, token, "policy", "set", host.Name, "--require-secure-boot", "yes");
        using var automation = _appliance.WithToken("automation");
        var unknownField = await automation.PostAsJsonAsync($"/api/hosts/{host.Id}/policy", new { requireSecurBoot = true });

        modeWithoutConfirmation.ExitCode.Should().Be(0, "the host is already in Mode TPM: nothing to change");
        modeWithoutConfirmation.Output.Should().Contain("nothing to change: Mode is already TPM");
        notOnOff.ExitCode.Should().Be(1);
        notOnOff.Error.Should().Contain("yes");
        unknownField.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await unknownField.Content.ReadAsStringAsync()).Should().Contain("requireSecurBoot");
    }
}
