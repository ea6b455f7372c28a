using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RecoveryAssist.EndToEnd.Tests.Infrastructure;
using RecoveryAssist.EsxiSimulator.State;
using RecoveryAssist.Server.Features.Alerts;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Features.HostOps;
using RecoveryAssist.Server.Features.Audit;
using Microsoft.Extensions.DependencyInjection;

namespace RecoveryAssist.EndToEnd.Tests.HostOps;

[Collection(SshdCollection.Name)]
public sealed class CollectTests(SshdFixture sshd) : IAsyncLifetime
{
    private HostOpsAppliance _appliance = null!;

    public async Task InitializeAsync() => _appliance = await HostOpsAppliance.StartAsync();

    public async Task DisposeAsync() => await _appliance.DisposeAsync();

    [SshdFact]
    public async Task Collect_NewHost_EscrowsKeyRecordsFactsAndPinsHostKey()
    {
        var connection = sshd.AddHost(HostNames.Next());
        var host = _appliance.Enrol(connection);

        var job = await _appliance.RunAsync(JobKind.Collect, host.Id);
        var again = await _appliance.RunAsync(JobKind.Collect, host.Id);

        job.State.Should().Be(JobState.Succeeded, job.Error);
        var state = sshd.Hosts.Get(connection.HostName);
        _appliance.Escrowed(host.Id, state.Config.RecoveryId, state.Config.RecoveryKey)!.Source.Should().Be(KeySource.Collected);
        job.Steps[0].Output.Should().Contain("escrowed").And.Contain(state.Config.RecoveryId);
        again.Steps[0].Output.Should().Contain("verified");
        again.Steps.Skip(2).Should().OnlyContain(s => s.Output!.Contains("are fresh"), "facts are read again only after FactsRefreshHours");
        var record = _appliance.Escrow.GetHost(host.Id);
        record.Serial.Should().Be(state.Hardware.SerialNumber.ToUpperInvariant());
        record.SmbiosUuid.Should().Be(state.Hardware.SmbiosUuid.ToString("D"));
        record.MacAddresses.Should().BeEquivalentTo(state.Hardware.Nics.Select(n => n.MacAddress));
        record.EsxiVersion.Should().Be(state.Software.Version);
        record.EsxiBuild.Should().Be(state.Software.Build);
        record.KernelOpt.Should().Be(state.Software.Kernelopt);
        _appliance.Access.Find(host.Id)!.PinnedFingerprint.Should().Be(sshd.HostKeyFingerprintSha256);
    }

    [SshdFact]
    public async Task Collect_CsvFormatterRefused_FallsBackToTableForm()
    {
        var connection = sshd.AddHost(HostNames.Next(), configure: s => s.Behaviour.ListLayout = RecoveryListLayout.Wrapped);
        sshd.Hosts.AddFault(connection.HostName, Fault.Fail("esxcli system settings encryption recovery list", "Unable to find requested formatter: csv", times: 1));
        var host = _appliance.Enrol(connection);

        var job = await _appliance.RunAsync(JobKind.Collect, host.Id);

        job.State.Should().Be(JobState.Succeeded, job.Error);
        var state = sshd.Hosts.Get(connection.HostName);
        _appliance.Escrowed(host.Id, state.Config.RecoveryId, state.Config.RecoveryKey).Should().NotBeNull();
        state.CommandLog.Count(c => c.Command == "esxcli system settings encryption recovery list").Should().Be(2, "csv first, then the table form");
    }

    [SshdFact]
    public async Task Collect_GarbledList_FailsWithParserMessageEscrowsNothingAndAlerts()
    {
        var connection = sshd.AddHost(HostNames.Next());
        sshd.Hosts.AddFault(connection.HostName, Fault.Garble("esxcli system settings encryption recovery list"));
        var host = _appliance.Enrol(connection);

        var job = await _appliance.RunAsync(JobKind.Collect, host.Id);

        job.State.Should().Be(JobState.Failed);
        job.Steps[0].State.Should().Be(StepState.Failed);
        job.Steps[0].Message.Should().StartWith("unexpected output: line");
        job.Steps[0].Attempts.Should().Be(1, "bad output is not retried");
        _appliance.Escrow.KeyVersions(host.Id).Should().BeEmpty();
        _appliance.Alerts.List(host.Id, 0, 10).Should().ContainSingle(a => a.Kind == AlertKind.UnparseableOutput && a.JobId == job.Id);
        var key = sshd.Hosts.Get(connection.HostName).Config.RecoveryKey;
        Stored(job).Should().NotContain(key[..13], "a garbled key fragment is redacted from the job history");
    }

    [SshdFact]
    public async Task Collect_HostKeyChanged_RefusedWithAlertAndAuditUntilAdminRepins()
    {
        var connection = sshd.AddHost(HostNames.Next());
        var host = _appliance.Enrol(connection);
        (await _appliance.RunAsync(JobKind.Collect, host.Id)).State.Should().Be(JobState.Succeeded);
        var commandsBefore = sshd.Hosts.Get(connection.HostName).CommandLog.Count;

        sshd.ChangeHostKey();
        try
        {
            var refused = await _appliance.RunAsync(JobKind.Collect, host.Id);

            refused.State.Should().Be(JobState.Failed);
            refused.Error.Should().Contain("host key mismatch");
            sshd.Hosts.Get(connection.HostName).CommandLog.Count.Should().Be(commandsBefore, "no command runs on a host whose key does not match");
            _appliance.Alerts.List(host.Id, 0, 10).Should().Contain(a => a.Kind == AlertKind.HostKeyMismatch);
            var audit = _appliance.Services.GetRequiredService<AuditLog>().Read(0, 10_000, $"host:{host.Name}");
            audit.Should().Contain(r => r.Action == "alert.raised" && r.Detail!.Contains("HostKeyMismatch"));

            _appliance.Access.Repin(host.Id, "SHA256:" + sshd.HostKeyFingerprintSha256, HostOpsAppliance.Tester);
            var after = await _appliance.RunAsync(JobKind.Collect, host.Id);

            after.State.Should().Be(JobState.Succeeded, after.Error);
            _appliance.Services.GetRequiredService<AuditLog>().Read(0, 10_000, $"host:{host.Name}").Should().Contain(r => r.Action == "host.key-repinned");
        }
        finally
        {
            // Later tests pin on first contact; nothing else depends on the old key.
        }
    }

    [SshdFact]
    public async Task Collect_KeyChangedBehindTheAppliance_NewVersionWithDriftAlert()
    {
        var connection = sshd.AddHost(HostNames.Next());
        var host = _appliance.Enrol(connection);
        (await _appliance.RunAsync(JobKind.Collect, host.Id)).State.Should().Be(JobState.Succeeded);
        connection.Run($"esxcli system settings encryption recovery rotate -u {sshd.Hosts.Get(connection.HostName).Config.RecoveryId}").ExitStatus.Should().Be(0);

        var job = await _appliance.RunAsync(JobKind.Collect, host.Id);

        job.Steps[0].Output.Should().Contain("drift");
        _appliance.Escrow.KeyVersions(host.Id).Select(v => v.Status).Should().Equal([KeyStatus.Current, KeyStatus.Unsaved],
            "the rotate outside the appliance was not saved: the saved key stays the one the next boot needs");
        _appliance.Alerts.List(host.Id, 0, 10).Should().Contain(a => a.Kind == AlertKind.KeyDrift);
        _appliance.Reports.Coverage().RecentDrift.Should().Contain(d => d.HostId == host.Id);

        // An orderly reboot saves first: the next collection sees the new boot and the new key, so the new key is saved.
        sshd.Hosts.Reboot(connection.HostName);
        (await _appliance.RunAsync(JobKind.Collect, host.Id)).State.Should().Be(JobState.Succeeded);
        _appliance.Escrow.KeyVersions(host.Id).Select(v => v.Status).Should().Equal(KeyStatus.Superseded, KeyStatus.Current);
    }

    [PasswordSshdFact]
    public async Task Collect_PasswordHost_SealedCredentialWorks()
    {
        var connection = sshd.AddPasswordHost(HostNames.Next("pw"));
        var host = _appliance.Enrol(connection);

        var job = await _appliance.RunAsync(JobKind.Collect, host.Id);

        job.State.Should().Be(JobState.Succeeded, job.Error);
        var raw = File.ReadAllBytes(Path.Combine(_appliance.DataDirectory, "recoveryassist.db"));
        System.Text.Encoding.UTF8.GetString(raw).Should().NotContain(connection.Password!);
    }

    [SshdFact]
    public async Task Api_CollectAndJobs_ListShowAndSecretsNeverReturned()
    {
        var connection = sshd.AddHost(HostNames.Next());
        var host = _appliance.Enrol(connection);
        using var client = new HttpClient(_appliance.Handler()) { BaseAddress = _appliance.Address };
        var token = _appliance.Services.GetRequiredService<RecoveryAssist.Server.Features.Auth.UserService>();
        token.Create("ops", RecoveryAssist.Server.Features.Auth.Role.Automation, "correct horse battery staple", Actor.System);
        var issued = token.CreateToken(token.Find("ops")!, "t", null, null, Actor.System).Token;
        client.DefaultRequestHeaders.Authorization = new("Bearer", issued);

        var started = await client.PostAsync($"/api/hosts/{host.Id}/collect", null);
        started.StatusCode.Should().Be(HttpStatusCode.Accepted);
        var id = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        await _appliance.WaitAsync(id);
        var shown = await client.GetStringAsync($"/api/jobs/{id}");
        var listed = await client.GetStringAsync($"/api/jobs?host={host.Id}");
        var access = await client.GetStringAsync($"/api/hosts/{host.Id}/ssh");

        JsonDocument.Parse(shown).RootElement.GetProperty("state").GetString().Should().Be("succeeded");
        JsonDocument.Parse(listed).RootElement.GetArrayLength().Should().Be(1);
        var key = sshd.Hosts.Get(connection.HostName).Config.RecoveryKey;
        foreach (var body in new[] { shown, listed, access })
        {
            body.Should().NotContain(key).And.NotContain("PRIVATE KEY");
        }
        (await client.PostAsync($"/api/hosts/{host.Id}/ssh/repin", JsonContent.Create(new { fingerprint = (string?)null }))).StatusCode
            .Should().Be(HttpStatusCode.Forbidden, "re-pinning is for admins");
        var badKey = await client.PutAsJsonAsync($"/api/hosts/{host.Id}/ssh", new { privateKey = "-----BEGIN EC PRIVATE KEY-----\nnot a key\n-----END EC PRIVATE KEY-----" });
        badKey.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await badKey.Content.ReadAsStringAsync()).Should().Contain("invalid-ssh-access").And.NotContain("not a key");
    }

    private static string Stored(JobRecord job) => JsonSerializer.Serialize(job);
}
