using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RecoveryAssist.EndToEnd.Tests.HostOps;
using RecoveryAssist.EndToEnd.Tests.Infrastructure;
using RecoveryAssist.Server.Features.Alerts;
using RecoveryAssist.Server.Features.HostOps;
using RecoveryAssist.Server.Features.Policy;
using static RecoveryAssist.EndToEnd.Tests.Policy.PolicyHosts;

namespace RecoveryAssist.EndToEnd.Tests.Alerts;

/// <summary>Alerts over the real sshd and simulator: raised once per host and kind, resolved by themselves when their condition clears, acknowledged and resolved by people over the API.</summary>
[Collection(SshdCollection.Name)]
public sealed class AlertLifecycleTests(SshdFixture sshd) : IAsyncLifetime
{
    private HostOpsAppliance _appliance = null!;

    public async Task InitializeAsync() => _appliance = await HostOpsAppliance.StartAsync(Settings);

    public async Task DisposeAsync() => await _appliance.DisposeAsync();

    [SshdFact]
    public async Task BackupFailed_JobRetriedAndSucceeds_AlertResolvesByItselfAudited()
    {
        var (connection, host) = await CollectedAsync(_appliance, sshd, s =>
        {
            s.Hardware.FirmwareSecureBoot = true;
            s.Behaviour.BackupLockFails = true;
        });
        var job = await _appliance.WaitAsync(Change(_appliance, host.Id, new PolicyChangeInput(RequireSecureBoot: true)).Job!.Id);
        job.State.Should().Be(JobState.Failed);
        var alert = _appliance.Alerts.List(new AlertQuery(Kind: AlertKind.BackupFailed, HostId: host.Id), 0, 10).Should().ContainSingle().Subject;
        (alert.State, alert.Severity, alert.JobId).Should().Be((AlertState.Open, AlertSeverity.Critical, job.Id));

        sshd.Hosts.Update(connection.HostName, s => s.Behaviour.BackupLockFails = false);
        _appliance.Jobs.Retry(job.Id, HostOpsAppliance.Tester);
        (await _appliance.WaitAsync(job.Id)).State.Should().Be(JobState.Succeeded);

        var resolved = _appliance.Alerts.Get(alert.Id);
        resolved.State.Should().Be(AlertState.Resolved, "the save it alerted about is now confirmed");
        resolved.ResolvedBy.Should().Be(AlertMachine.SystemActor);
        resolved.ResolveNote.Should().Contain($"job {job.Id} succeeded");
        _appliance.Audit(_appliance.Escrow.GetHost(host.Id)).Should().Contain(r => r.Action == AlertAudit.Resolved && r.Detail!.Contains(alert.Id.ToString()));
    }

    [SshdFact]
    public async Task Raise_SameHostAndKindTwice_OneAlertCountedTwice()
    {
        var (_, host) = await CollectedAsync(_appliance, sshd);

        var first = _appliance.Alerts.Raise(AlertKind.HostUnreachable, host.Id, host.Name, null, "timed out");
        var second = _appliance.Alerts.Raise(AlertKind.HostUnreachable, host.Id, host.Name, null, "timed out again");

        second.Id.Should().Be(first.Id);
        var stored = _appliance.Alerts.List(new AlertQuery(Kind: AlertKind.HostUnreachable, HostId: host.Id), 0, 10).Should().ContainSingle().Subject;
        (stored.Count, stored.Message).Should().Be((2, "timed out again"));
        _appliance.Audit(host).Should().Contain(r => r.Action == AlertAudit.Repeated);
    }

    [SshdFact]
    public async Task Api_AckThenResolve_StatesAuditedAndFilterable()
    {
        var (_, host) = await CollectedAsync(_appliance, sshd);
        var alert = _appliance.Alerts.Raise(AlertKind.IdentityChanged, host.Id, host.Name, null, "the host reports another serial number");
        using var technician = _appliance.WithToken("technician");

        var noNote = await technician.PostAsJsonAsync($"/api/alerts/{alert.Id}/ack", new { note = "" });
        var ack = await technician.PostAsJsonAsync($"/api/alerts/{alert.Id}/ack", new { note = "board swap, ticket 42" });
        var again = await technician.PostAsJsonAsync($"/api/alerts/{alert.Id}/ack", new { note = "me too" });
        var acknowledged = await technician.GetFromJsonAsync<JsonElement>($"/api/alerts?state=acknowledged&host={host.Id}");
        var resolve = await technician.PostAsJsonAsync($"/api/alerts/{alert.Id}/resolve", new { note = "identity confirmed" });
        var badKind = await technician.GetAsync("/api/alerts?kind=nonsense");

        noNote.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        ack.StatusCode.Should().Be(HttpStatusCode.OK);
        again.StatusCode.Should().Be(HttpStatusCode.Conflict);
        acknowledged.EnumerateArray().Select(a => a.GetProperty("id").GetGuid()).Should().Equal(alert.Id);
        acknowledged[0].GetProperty("acknowledgedBy").GetString().Should().StartWith("technician", "the person who acknowledged");
        acknowledged[0].GetProperty("kind").GetString().Should().Be("identityChanged");
        acknowledged[0].GetProperty("severity").GetString().Should().Be("warning");
        resolve.StatusCode.Should().Be(HttpStatusCode.OK);
        (await resolve.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString().Should().Be("resolved");
        badKind.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await badKind.Content.ReadAsStringAsync()).Should().Contain("kind: expected one of");
        var audit = _appliance.Audit(host);
        audit.Should().Contain(r => r.Action == AlertAudit.Acknowledged && r.Detail!.Contains("board swap, ticket 42"));
        audit.Should().Contain(r => r.Action == AlertAudit.Resolved && r.Detail!.Contains("identity confirmed"));
        _appliance.Alerts.Counts().Should().Contain(new AlertCount(AlertKind.IdentityChanged, AlertSeverity.Warning, AlertState.Resolved, 1));
    }
}
