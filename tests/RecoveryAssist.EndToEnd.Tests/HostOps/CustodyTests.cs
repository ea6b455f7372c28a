using Microsoft.Extensions.DependencyInjection;
using System.Net.Http.Json;
using System.Text.Json;
using RecoveryAssist.Core.Keys;
using RecoveryAssist.EndToEnd.Tests.Infrastructure;
using RecoveryAssist.EsxiSimulator.State;
using RecoveryAssist.Server.Features.Alerts;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Features.HostOps;
using RecoveryAssist.Server.Features.Recovery;
using RecoveryAssist.Server.Features.Secrets;
using RecoveryAssist.Server.Storage;

namespace RecoveryAssist.EndToEnd.Tests.HostOps;

/// <summary>
/// The escrow's central promise under failure: whatever point a save fails at (an error line with exit 0, the
/// connection dropped after the rotate, the appliance SIGKILLed between rotate and save), the key the appliance
/// reveals after a TPM replacement boots the host, and the version marked used is the one it booted with.
/// </summary>
[Collection(SshdCollection.Name)]
public sealed class CustodyTests(SshdFixture sshd) : IAsyncLifetime
{
    private const string AutoBackup = "/sbin/auto-backup.sh";
    private const string Rotate = "esxcli system settings encryption recovery rotate";

    private HostOpsAppliance _appliance = null!;

    public async Task InitializeAsync() => _appliance = await HostOpsAppliance.StartAsync();

    public async Task DisposeAsync() => await _appliance.DisposeAsync();

    [SshdTheory]
    [InlineData(nameof(JobKind.Rotate), "error-line")]
    [InlineData(nameof(JobKind.Rotate), "drop-after-rotate")]
    [InlineData(nameof(JobKind.PostRecovery), "error-line")]
    [InlineData(nameof(JobKind.PostRecovery), "drop-after-rotate")]
    public async Task Job_SaveFails_RevealedKeyBootsAfterTpmReplacementAndUsedIsTheBootedVersion(string jobName, string failure)
    {
        var kind = Enum.Parse<JobKind>(jobName);
        HostRecord host;
        SimulatedHostConnection connection;
        if (kind == JobKind.PostRecovery)
        {
            (connection, host, _, _) = await PostRecoveryTests.RecoveredHostAsync(_appliance, sshd);
        }
        else
        {
            connection = sshd.AddHost(HostNames.Next());
            host = _appliance.Enrol(connection);
            (await _appliance.RunAsync(JobKind.Collect, host.Id)).State.Should().Be(JobState.Succeeded);
        }
        var savedBefore = sshd.Hosts.Get(connection.HostName).SavedConfig.RecoveryKey;
        // The save after the rotate fails (a post-recovery's first save, before the rotate, is left alone).
        _appliance.Observer.OnStep(host.Id, StepKind.Rotate, (_, record) =>
        {
            if (record.Attempts != 1)
                return;
            if (failure == "error-line")
            {
                sshd.Hosts.Update(connection.HostName, s => s.Behaviour.AutoBackupErrorLine = true);
            }
            else
            {
                sshd.Hosts.AddFault(connection.HostName, Fault.Drop(Rotate, afterAction: true, times: 1));
                sshd.Hosts.AddFault(connection.HostName, Fault.Drop(AutoBackup, afterAction: false));
            }
        });

        var failed = await _appliance.RunAsync(kind, host.Id);

        failed.State.Should().Be(JobState.Failed, "the rotated key was never saved");
        failed.Steps.Single(s => s.Kind == StepKind.BackupAfter).State.Should().Be(StepState.Failed);
        _appliance.Alerts.List(host.Id, 0, 20).Should().Contain(a => a.Kind == AlertKind.RotationNotSaved && a.JobId == failed.Id);
        var running = sshd.Hosts.Get(connection.HostName);
        running.Config.RecoveryKey.Should().NotBe(savedBefore, "the rotate acted on the running configuration");
        running.SavedConfig.RecoveryKey.Should().Be(savedBefore);
        _appliance.Escrowed(host.Id, running.Config.RecoveryId, running.Config.RecoveryKey)!.Status.Should().Be(KeyStatus.Unsaved);
        _appliance.Reports.Coverage().RotationNotSaved.Should().Contain(h => h.Id == host.Id);
        sshd.Hosts.ClearFaults(connection.HostName);
        sshd.Hosts.Update(connection.HostName, s => s.Behaviour.AutoBackupErrorLine = false);

        foreach (var open in _appliance.Sessions.List(host.Id, openOnly: true, 0, 10))
            _appliance.Sessions.Close(open.Id, new Person("tech-one", "Technician", null), "the rotation after it was not saved");
        var booted = await ReplaceTpmAndRecoverWithRevealedKeyAsync(connection, host);
        _appliance.Observer.OnStep(host.Id, StepKind.Rotate, (_, _) => { });
        var after = await _appliance.RunAsync(JobKind.PostRecovery, host.Id);

        after.State.Should().Be(JobState.Succeeded, after.Error);
        booted.Should().Be(savedBefore, "the appliance revealed the saved key, the one the next boot needs");
        AssertUsedIsBooted(host.Id, connection.HostName, booted);
    }

    [SshdFact]
    public async Task Rotate_ApplianceKilledBetweenRotateAndSave_RevealedKeyBootsAndUsedIsTheBootedVersion()
    {
        var connection = sshd.AddHost(HostNames.Next());
        var dataDirectory = Path.Combine(Path.GetTempPath(), "ra-custody-kill-" + Guid.NewGuid().ToString("N"));
        var port = FreePort.Tcp();
        string[] settings = [.. HostOpsAppliance.FastSettings, "--RecoveryAssist:HostOps:CommandTimeoutSeconds=120", "--RecoveryAssist:Recovery:ApprovalWaivedForRoles:0=Technician"];
        var savedBefore = sshd.Hosts.Get(connection.HostName).SavedConfig.RecoveryKey;
        string hostId;
        string jobId;
        await using (var appliance = await ApplianceProcess.StartAsync(dataDirectory, port, settings))
        {
            using var admin = await appliance.BootstrapAdminAsync();
            hostId = (await KillDuringJobTests.Json(await admin.PostAsJsonAsync("/api/hosts", new { name = connection.HostName, managementAddress = connection.Address }))).GetProperty("id").GetString()!;
            (await admin.PutAsJsonAsync($"/api/hosts/{hostId}/ssh", new { userName = connection.UserName, port = connection.Port, address = connection.Address, privateKey = connection.PrivateKeyPem })).EnsureSuccessStatusCode();
            var collect = await KillDuringJobTests.Json(await admin.PostAsync($"/api/hosts/{hostId}/collect", null));
            (await KillDuringJobTests.WaitAsync(admin, collect.GetProperty("id").GetString()!)).GetProperty("state").GetString().Should().Be("succeeded");

            sshd.Hosts.AddFault(connection.HostName, Fault.Hang(AutoBackup, afterAction: false, times: 1));
            jobId = (await KillDuringJobTests.Json(await admin.PostAsync($"/api/hosts/{hostId}/rotate", null))).GetProperty("id").GetString()!;
            await KillDuringJobTests.WaitForAsync(() => sshd.Hosts.Get(connection.HostName).CommandLog.Any(c => c.Fault == FaultKind.Hang));

            appliance.Kill();
        }
        // The host crashes too before anything saved the rotated key; its TPM is replaced.
        sshd.Hosts.ReplaceTpm(connection.HostName, "NTC");

        string booted;
        await using (var restarted = await ApplianceProcess.StartAsync(dataDirectory, port, settings))
        {
            using var admin = await restarted.TokenClientAsync();
            (await KillDuringJobTests.WaitAsync(admin, jobId)).GetProperty("state").GetString().Should().Be("failed", "the host cannot be saved to while it waits for its key");
            // A technician opens, reveals (approval waived for the role here) and starts the post-recovery job.
            (await admin.PostAsJsonAsync("/api/users", new { userName = "tech", role = "technician", password = TestAppliance.Password })).EnsureSuccessStatusCode();
            // A person's sign-in token (what recoveryassist login gets): an API token never reveals.
            using var signIn = new HttpClient(restarted.Handler()) { BaseAddress = restarted.Address };
            var token = await KillDuringJobTests.Json(await signIn.PostAsJsonAsync("/api/auth/token", new { userName = "tech", password = TestAppliance.Password, name = "custody test" }));
            using var tech = new HttpClient(restarted.Handler()) { BaseAddress = restarted.Address };
            tech.DefaultRequestHeaders.Authorization = new("Bearer", token.GetProperty("token").GetString());
            var session = await KillDuringJobTests.Json(await tech.PostAsJsonAsync("/api/sessions", new { host = connection.HostName, reason = "motherboard-replaced", ticket = "CHG-9", path = "console" }));
            var revealed = await KillDuringJobTests.Json(await tech.PostAsync($"/api/sessions/{session.GetProperty("id").GetString()}/reveal", null));
            revealed.GetProperty("candidates").EnumerateArray().Should().ContainSingle("the rotated key is offered second");
            booted = revealed.GetProperty("textToType").GetString()!.Split('=')[1];
            sshd.Hosts.BootWithRecoveryKey(connection.HostName, booted).Should().BeTrue("the revealed key is the one the host needs");
            var post = await KillDuringJobTests.Json(await tech.PostAsJsonAsync($"/api/hosts/{hostId}/post-recovery", new { }));
            var done = await KillDuringJobTests.WaitAsync(admin, post.GetProperty("id").GetString()!);
            done.GetProperty("state").GetString().Should().Be("succeeded", done.GetRawText());
        }

        booted.Should().Be(savedBefore);
        using var store = AppStore.Open(dataDirectory, Path.Combine(dataDirectory, "kek.key"));
        var keys = new KeyVersionStore(store.Database, new KeySealer(store.Kek), null!);
        var versions = keys.Of(Guid.Parse(hostId));
        versions.Select(v => v.Status).Should().Equal(KeyStatus.Used, KeyStatus.NeverSaved, KeyStatus.Current);
        keys.Open(versions[0]).FixedTimeEquals(RecoveryKey.Parse(booted)).Should().BeTrue("the version marked used is the one the host booted with");
    }

    [SshdTheory]
    [InlineData(nameof(BackupOutputShape.OneLine), true, nameof(FullTimeShape.Iso))]
    [InlineData(nameof(BackupOutputShape.WithClock), true, nameof(FullTimeShape.Iso))]
    [InlineData(nameof(BackupOutputShape.ConfigStoreFirst), true, nameof(FullTimeShape.Iso))]
    [InlineData(nameof(BackupOutputShape.WithClock), false, nameof(FullTimeShape.Iso))]
    [InlineData(nameof(BackupOutputShape.ConfigStoreFirst), false, nameof(FullTimeShape.CTime))]
    public async Task Rotate_SaveInEveryKnownShape_PassesOnFirstAttempt(string shape, bool stat, string ls)
    {
        var connection = sshd.AddHost(HostNames.Next(), configure: s =>
        {
            s.Behaviour.BackupOutput = Enum.Parse<BackupOutputShape>(shape);
            s.Behaviour.StatAvailable = stat;
            s.Behaviour.LsFullTime = Enum.Parse<FullTimeShape>(ls);
        });
        var host = _appliance.Enrol(connection);
        (await _appliance.RunAsync(JobKind.Collect, host.Id)).State.Should().Be(JobState.Succeeded);

        var job = await _appliance.RunAsync(JobKind.Rotate, host.Id);

        job.State.Should().Be(JobState.Succeeded, job.Error);
        var save = job.Steps.Single(s => s.Kind == StepKind.BackupAfter);
        save.Attempts.Should().Be(1, "a successful save is recognised the first time");
        save.Output.Should().StartWith("saved: /bootbank/state.tgz written at ");
        _appliance.Escrow.KeyVersions(host.Id).Select(v => v.Status).Should().Equal(KeyStatus.Superseded, KeyStatus.Current);
        sshd.Hosts.Get(connection.HostName).Software.BootBankUpdated.Should().Be(3, "the judge does not need boot.cfg's counter to move");
    }

    [SshdFact]
    public async Task Rotate_NeitherStatNorFullTimeLs_CouldNotConfirmAndBothKeysKept()
    {
        var connection = sshd.AddHost(HostNames.Next(), configure: s => { s.Behaviour.StatAvailable = false; s.Behaviour.LsFullTime = FullTimeShape.Unsupported; });
        var host = _appliance.Enrol(connection);
        (await _appliance.RunAsync(JobKind.Collect, host.Id)).State.Should().Be(JobState.Succeeded);

        var job = await _appliance.RunAsync(JobKind.Rotate, host.Id);

        job.State.Should().Be(JobState.Failed);
        job.Error.Should().Contain("could not confirm the save");
        _appliance.Escrow.KeyVersions(host.Id).Select(v => v.Status).Should().Equal(KeyStatus.Current, KeyStatus.Unsaved);
        _appliance.Alerts.List(host.Id, 0, 10).Should().Contain(a => a.Kind == AlertKind.RotationNotSaved);
    }

    /// <summary>The TPM is replaced; a session reveals the key; the operator types it at Shift+O. Returns the key that booted.</summary>
    private async Task<string> ReplaceTpmAndRecoverWithRevealedKeyAsync(SimulatedHostConnection connection, HostRecord host)
    {
        sshd.Hosts.ReplaceTpm(connection.HostName, "NTC");
        sshd.Hosts.Get(connection.HostName).Power.Should().Be(PowerState.WaitingForRecovery);
        var session = _appliance.Sessions.Open(host.Name, null, "tpm-failed", "CHG-2", "console", new Person("tech-one", "Technician", null));
        _appliance.Sessions.Approve(session.Id, new Person("tech-two", "Technician", null));
        var revealed = _appliance.Sessions.Reveal(session.Id, new Person("operator", "Operator", null), "json", null);
        revealed.Candidates.Should().ContainSingle("the rotated, unsaved key is offered second");
        var typed = revealed.Key.Reveal();
        sshd.Hosts.BootWithRecoveryKey(connection.HostName, typed).Should().BeTrue("the revealed key is the one the host's saved configuration needs");
        await Task.CompletedTask;
        return typed;
    }

    /// <summary>Exactly one version is used, and it holds the key the host booted with; the rotated-but-lost one never saved.</summary>
    private void AssertUsedIsBooted(Guid hostId, string hostName, string booted)
    {
        var versions = _appliance.Escrow.KeyVersions(hostId);
        var used = versions.Where(v => v.Status == KeyStatus.Used).ToList();
        used.Should().NotBeEmpty();
        var keys = _appliance.Services.GetRequiredService<KeyVersionStore>();
        used.Should().OnlyContain(v => keys.Open(v).FixedTimeEquals(RecoveryKey.Parse(booted)), "only the version the host booted with is marked used");
        versions.Should().Contain(v => v.Status == KeyStatus.NeverSaved, "the rotated key the host lost never reached its boot bank");
        var state = sshd.Hosts.Get(hostName);
        _appliance.Escrowed(hostId, state.Config.RecoveryId, state.Config.RecoveryKey)!.Status.Should().Be(KeyStatus.Current);
        state.IsConfigDirty.Should().BeFalse();
    }
}
