using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LiteDB;
using Microsoft.Extensions.DependencyInjection;
using RecoveryAssist.EndToEnd.Tests.HostOps;
using RecoveryAssist.EndToEnd.Tests.Infrastructure;
using RecoveryAssist.EsxiSimulator.State;
using RecoveryAssist.Server.Features.Alerts;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Features.HostOps;
using RecoveryAssist.Server.Features.Policy;
using RecoveryAssist.Server.Hosting;
using RecoveryAssist.Server.Storage;
using static RecoveryAssist.EndToEnd.Tests.Policy.PolicyHosts;

namespace RecoveryAssist.EndToEnd.Tests.Policy;

/// <summary>
/// Every refusal: the appliance's own (no escrowed key, a forbidden combination, a missing confirmation,
/// a TPM known to fail), each asserting the host ran nothing that changes it; and ESXi's, each turned into a
/// job failure that names the unmet prerequisite.
/// </summary>
[Collection(SshdCollection.Name)]
public sealed class PolicyRefusalTests(SshdFixture sshd) : IAsyncLifetime
{
    private const string SecureBootPy = "/usr/lib/vmware/secureboot/bin/secureBoot.py -s";

    private HostOpsAppliance _appliance = null!;

    public async Task InitializeAsync() => _appliance = await HostOpsAppliance.StartAsync(Settings);

    public async Task DisposeAsync() => await _appliance.DisposeAsync();

    private static ProblemException Refused(Action act) => act.Should().Throw<ProblemException>().Which;

    [SshdFact]
    public async Task Change_KeyNeverEscrowed_Refused409AndTheHostRunsNothing()
    {
        var connection = sshd.AddHost(HostNames.Next("pol"), configure: s => s.Hardware.FirmwareSecureBoot = true);
        var host = _appliance.Enrol(connection);
        var before = sshd.Hosts.Get(connection.HostName);
        using var automation = _appliance.WithToken("automation");

        var problem = Refused(() => Change(_appliance, host.Id, new PolicyChangeInput(RequireSecureBoot: true)));
        var response = await automation.PostAsJsonAsync($"/api/hosts/{host.Id}/policy", new { requireSecureBoot = true });

        problem.Status.Should().Be(409);
        problem.Code.Should().Be("key-not-escrowed");
        problem.Message.Should().Contain("the escrow holds no key for it").And.Contain($"recoveryassist collect {host.Name} --wait");
        response.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await response.Content.ReadAsStringAsync()).Should().Contain("key-not-escrowed");
        var after = sshd.Hosts.Get(connection.HostName);
        after.CommandLog.Should().BeEmpty("the appliance did not even connect");
        after.Config.RequireSecureBoot.Should().Be(before.Config.RequireSecureBoot).And.BeFalse();
        after.SavedConfig.RequireSecureBoot.Should().BeFalse();
        _appliance.Jobs.List(host.Id, null, 0, 10).Should().BeEmpty();
    }

    [SshdFact]
    public async Task Change_KeyVerifiedLongAgo_Refused409UntilCollectedAgain()
    {
        var (connection, host) = await CollectedAsync(_appliance, sshd, s => s.Hardware.FirmwareSecureBoot = true);
        var mark = sshd.Hosts.Get(connection.HostName).CommandLog.Count;
        var keys = _appliance.Services.GetRequiredService<AppDatabase>().Collection<KeyVersionRecord>(EscrowService.KeysCollection);
        foreach (var version in keys.Find(Query.EQ(nameof(KeyVersionRecord.HostId), host.Id)).ToList())
        {
            version.LastVerified = DateTime.UtcNow.AddHours(-(PolicyOptions.DefaultKeyVerifiedWithinHours + 1));
            keys.Update(version);
        }

        Refused(() => Change(_appliance, host.Id, new PolicyChangeInput(RequireSecureBoot: true))).Message.Should().Contain("more than 24 h ago");
        Commands(sshd, connection.HostName, mark).Should().BeEmpty();

        (await _appliance.RunAsync(JobKind.Collect, host.Id)).State.Should().Be(JobState.Succeeded);
        var job = await _appliance.WaitAsync(Change(_appliance, host.Id, new PolicyChangeInput(RequireSecureBoot: true)).Job!.Id);
        job.State.Should().Be(JobState.Succeeded, job.Error);
    }

    [SshdFact]
    public async Task Change_KeyNotEscrowedForcedByAdmin_AuditedWithReasonAndKeyEscrowedFirst()
    {
        var connection = sshd.AddHost(HostNames.Next("pol"), configure: s => s.Hardware.FirmwareSecureBoot = true);
        var host = _appliance.Enrol(connection);
        using var admin = _appliance.WithToken("admin");

        var response = await admin.PostAsJsonAsync($"/api/hosts/{host.Id}/policy", new { requireSecureBoot = true, force = true, reason = "CHG-42 hardening window" });

        response.StatusCode.Should().Be(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var jobId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("job").GetProperty("id").GetGuid();
        var job = await _appliance.WaitAsync(jobId);
        job.State.Should().Be(JobState.Succeeded, job.Error);
        job.Steps[0].Output.Should().StartWith("before any change: 1 key(s)").And.Contain("escrow escrowed");
        sshd.Hosts.Get(connection.HostName).SavedConfig.RequireSecureBoot.Should().BeTrue();
        _appliance.Audit(host).Should().Contain(r => r.Action == "policy.forced" && r.Detail!.Contains("reason: CHG-42 hardening window", StringComparison.Ordinal));
        _appliance.Audit(host).Should().Contain(r => r.Action == "host.policy-change" && r.Detail!.Contains("FORCED", StringComparison.Ordinal));
        _appliance.AssertInvariant(sshd, connection.HostName, host.Id, "after a forced change");
    }

    [SshdFact]
    public async Task Change_ForcedWhileTheKeyCannotBeRead_GoesOnSayingSo()
    {
        var connection = sshd.AddHost(HostNames.Next("pol"), configure: s => s.Hardware.FirmwareSecureBoot = true);
        var host = _appliance.Enrol(connection);
        sshd.Hosts.AddFault(connection.HostName, Fault.Fail(List, "Error: cannot read the key store", times: 1));

        var view = Change(_appliance, host.Id, new PolicyChangeInput(RequireSecureBoot: true, Force: true, Reason: "key store repaired later"), mayForce: true);
        var job = await _appliance.WaitAsync(view.Job!.Id);

        job.State.Should().Be(JobState.Succeeded, job.Error);
        job.Steps[0].Output.Should().StartWith($"FORCED by {HostOpsAppliance.Tester.Name}: the host's key could not be read and escrowed");
        _appliance.AssertInvariant(sshd, connection.HostName, host.Id, "the key is escrowed after the change");
    }

    [SshdFact]
    public async Task Force_NotAdminOrWithoutReason_Refused()
    {
        var connection = sshd.AddHost(HostNames.Next("pol"));
        var host = _appliance.Enrol(connection);
        using var automation = _appliance.WithToken("automation");
        using var admin = _appliance.WithToken("admin");

        var notAdmin = await automation.PostAsJsonAsync($"/api/hosts/{host.Id}/policy", new { requireSecureBoot = true, force = true, reason = "x" });
        var noReason = await admin.PostAsJsonAsync($"/api/hosts/{host.Id}/policy", new { requireSecureBoot = true, force = true });

        notAdmin.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await notAdmin.Content.ReadAsStringAsync()).Should().Contain("force-not-allowed");
        noReason.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await noReason.Content.ReadAsStringAsync()).Should().Contain("reason: say why the change is forced");
        sshd.Hosts.Get(connection.HostName).CommandLog.Should().BeEmpty();
    }

    [SshdFact]
    public async Task Change_KeyCannotBeReadAtJobTime_JobStopsBeforeAnyChange()
    {
        var (connection, host) = await CollectedAsync(_appliance, sshd, s => s.Hardware.FirmwareSecureBoot = true);
        var mark = sshd.Hosts.Get(connection.HostName).CommandLog.Count;
        sshd.Hosts.AddFault(connection.HostName, Fault.Fail(List, "Error: cannot read the key store"));

        var job = await _appliance.WaitAsync(Change(_appliance, host.Id, new PolicyChangeInput(RequireSecureBoot: true)).Job!.Id);

        job.State.Should().Be(JobState.Failed);
        job.Error.Should().StartWith("CheckKeyEscrowed:");
        Changes(sshd, connection.HostName, mark).Should().BeEmpty();
        sshd.Hosts.Get(connection.HostName).Config.RequireSecureBoot.Should().BeFalse();
    }

    [SshdFact]
    public async Task Change_ForbiddenCombinationsAndMissingConfirmations_400NamingTheFieldNothingRun()
    {
        var (connection, host) = await CollectedAsync(_appliance, sshd);
        var (noneConnection, noneHost) = await CollectedAsync(_appliance, sshd, ModeNone);
        var marks = (sshd.Hosts.Get(connection.HostName).CommandLog.Count, sshd.Hosts.Get(noneConnection.HostName).CommandLog.Count);
        using var automation = _appliance.WithToken("automation");

        var execAlone = await automation.PostAsJsonAsync($"/api/hosts/{host.Id}/policy", new { requireExecInstalledOnly = true });
        var modeUnconfirmed = await automation.PostAsJsonAsync($"/api/hosts/{noneHost.Id}/policy", new { mode = "tpm" });
        var requirementInModeNone = await automation.PostAsJsonAsync($"/api/hosts/{noneHost.Id}/policy", new { requireSecureBoot = true });
        var modeNone = await automation.PostAsJsonAsync($"/api/hosts/{host.Id}/policy", new { mode = "none" });
        var badMode = await automation.PostAsJsonAsync($"/api/hosts/{host.Id}/policy", new { mode = "aes" });

        foreach (var response in new[] { execAlone, modeUnconfirmed, requirementInModeNone, modeNone, badMode })
            response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await execAlone.Content.ReadAsStringAsync()).Should().Contain("requireExecInstalledOnly: on needs Require Secure Boot on");
        (await modeUnconfirmed.Content.ReadAsStringAsync()).Should().Contain("confirmIrreversible:").And.Contain("tpmEnabledInFirmware:");
        (await requirementInModeNone.Content.ReadAsStringAsync()).Should().Contain("requireSecureBoot: the requirements exist only in Mode TPM");
        (await modeNone.Content.ReadAsStringAsync()).Should().Contain("mode: only tpm can be set");
        (await badMode.Content.ReadAsStringAsync()).Should().Contain("mode: expected tpm or none");
        Commands(sshd, connection.HostName, marks.Item1).Should().BeEmpty();
        Commands(sshd, noneConnection.HostName, marks.Item2).Should().BeEmpty();
    }

    [SshdFact]
    public async Task ModeTpm_NationZOn703_WarnedAndRefusedUnlessAcceptedThenEsxiRefusalNamesTheTpm()
    {
        var (connection, host) = await CollectedAsync(_appliance, sshd, s =>
        {
            ModeNone(s);
            s.Software.Version = "7.0.3";
            s.Software.Build = "24784741";
            s.Hardware.TpmVendor = "NTZ";
        });
        _appliance.Policy.Show(host.Id).Host.Next.Should().StartWith("NationZ TPMs are known to fail set --mode=TPM on ESXi 7.0 U3");
        var confirmed = new PolicyChangeInput("tpm", ConfirmIrreversible: true, TpmEnabledInFirmware: true);

        var warned = Refused(() => Change(_appliance, host.Id, confirmed));
        warned.Code.Should().Be("tpm-known-to-fail");
        Changes(sshd, connection.HostName).Should().BeEmpty();

        var job = await _appliance.WaitAsync(Change(_appliance, host.Id, confirmed with { AcceptKnownTpmIssue = true }).Job!.Id);

        job.State.Should().Be(JobState.Failed);
        job.Error.Should().Be("SetModeTpm: ESXi refused set --mode=TPM. Unmet prerequisite: NationZ TPMs are known to fail set --mode=TPM on ESXi 7.0 U3 (this host runs 7.0.3)");
        job.Steps.Single(s => s.Kind == StepKind.SetModeTpm).Attempts.Should().Be(1, "a refusal is not retried");
        sshd.Hosts.Get(connection.HostName).Config.Mode.Should().Be(EncryptionMode.None);
        _appliance.Alerts.List(host.Id, 0, 10).Should().Contain(a => a.Kind == AlertKind.PolicyRefused && a.JobId == job.Id);
    }

    [SshdFact]
    public async Task ModeTpm_EsxiRefusesAUsableLookingTpm_FailureNamesTheTpmRequirement()
    {
        var (connection, host) = await CollectedAsync(_appliance, sshd, s =>
        {
            ModeNone(s);
            s.Behaviour.TpmModeFails = true;
        });

        var job = await _appliance.WaitAsync(Change(_appliance, host.Id, new PolicyChangeInput("tpm", ConfirmIrreversible: true, TpmEnabledInFirmware: true)).Job!.Id);

        job.State.Should().Be(JobState.Failed);
        job.Error.Should().StartWith("SetModeTpm: ESXi refused set --mode=TPM. Unmet prerequisite: a TPM 2.0 that ESXi can use (vendor STM; NationZ, Infineon and Nuvoton NPCT75x TPMs fail on 7.0 U2");
        sshd.Hosts.Get(connection.HostName).Config.Mode.Should().Be(EncryptionMode.None);
    }

    [SshdFact]
    public async Task SecureBoot_EsxiRefusesBecauseFirmwareIsOff_FailureNamesFirmwareSecureBoot()
    {
        var (connection, host) = await CollectedAsync(_appliance, sshd);
        // The host says Enabled once (a stale or misread status); ESXi itself knows better.
        sshd.Hosts.AddFault(connection.HostName, Fault.Fail(SecureBootPy, "Enabled", exitCode: 0, times: 1));

        var job = await _appliance.WaitAsync(Change(_appliance, host.Id, new PolicyChangeInput(RequireSecureBoot: true)).Job!.Id);

        job.State.Should().Be(JobState.Failed);
        job.Error.Should().Be("SetRequireSecureBoot: ESXi refused set --require-secure-boot=T. Unmet prerequisite: UEFI Secure Boot on in the firmware (secureBoot.py -s: Disabled)");
        Commands(sshd, connection.HostName).Should().Contain(SetSecureBootOn);
        sshd.Hosts.Get(connection.HostName).Config.RequireSecureBoot.Should().BeFalse();
        _appliance.Policy.Show(host.Id).Host.Next.Should().StartWith("enable Secure Boot in firmware and reboot");
    }

    [SshdFact]
    public async Task Exec_EsxiRefusesWithPrerequisitesMet_FailureSaysSoAndPointsAtTheLogs()
    {
        var (connection, host) = await CollectedAsync(_appliance, sshd, s =>
        {
            SecureBootEnforced(s);
            s.Config.ExecInstalledOnlyConfigured = true;
        });
        sshd.Hosts.AddFault(connection.HostName, Fault.Fail("esxcli system settings encryption set",
            "Unable to change the encryption mode and policy. Verify that the current host configuration can satisfy the new requirement.", times: 1));

        var job = await _appliance.WaitAsync(Change(_appliance, host.Id, new PolicyChangeInput(RequireExecInstalledOnly: true)).Job!.Id);

        job.State.Should().Be(JobState.Failed);
        job.Error.Should().Be("SetRequireExecInstalledOnly: ESXi refused set --require-exec-installed-only=T although what it documents as prerequisites "
            + "(Mode TPM, Require Secure Boot true and execInstalledOnly TRUE at runtime) appears met as read now: check the host's logs (vmkernel.log, hostd.log)");
        job.Steps.Single(s => s.Kind == StepKind.WaitForReboot).Output.Should().StartWith("execInstalledOnly TRUE at runtime", "no reboot was needed");
        sshd.Hosts.Get(connection.HostName).Config.RequireExecInstalledOnly.Should().BeFalse();
    }
}
