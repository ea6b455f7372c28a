using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using RecoveryAssist.Core.Keys;
using RecoveryAssist.EndToEnd.Tests.Infrastructure;
using RecoveryAssist.EsxiSimulator.State;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Features.Secrets;
using RecoveryAssist.Server.Storage;

namespace RecoveryAssist.EndToEnd.Tests.HostOps;

/// <summary>The appliance SIGKILLed while a rotate it started is hanging on the host: on restart the job lists and escrows before anything else.</summary>
[Collection(SshdCollection.Name)]
public sealed class KillDuringJobTests(SshdFixture sshd)
{
    [SshdFact]
    public async Task PostRecovery_ApplianceKilledDuringRotate_ResumesListsAndEscrowsFirstAndNeverRotatesTwice()
    {
        var connection = sshd.AddHost(HostNames.Next());
        var dataDirectory = Path.Combine(Path.GetTempPath(), "ra-hostops-kill-" + Guid.NewGuid().ToString("N"));
        var port = FreePort.Tcp();
        // Host operations with short retries, but a rotate left hanging long enough to be killed in.
        string[] settings = [.. HostOpsAppliance.FastSettings, "--RecoveryAssist:HostOps:CommandTimeoutSeconds=120"];
        string hostId;
        string jobId;
        await using (var appliance = await ApplianceProcess.StartAsync(dataDirectory, port, settings))
        {
            using var admin = await appliance.BootstrapAdminAsync();
            hostId = (await Json(await admin.PostAsJsonAsync("/api/hosts", new { name = connection.HostName, managementAddress = connection.Address }))).GetProperty("id").GetString()!;
            (await admin.PutAsJsonAsync($"/api/hosts/{hostId}/ssh", new { userName = connection.UserName, port = connection.Port, address = connection.Address, privateKey = connection.PrivateKeyPem })).EnsureSuccessStatusCode();
            var collect = await Json(await admin.PostAsync($"/api/hosts/{hostId}/collect", null));
            (await WaitAsync(admin, collect.GetProperty("id").GetString()!)).GetProperty("state").GetString().Should().Be("succeeded");

            sshd.Hosts.AddFault(connection.HostName, Fault.Hang("esxcli system settings encryption recovery rotate", afterAction: true, times: 1));
            var job = await Json(await admin.PostAsJsonAsync($"/api/hosts/{hostId}/post-recovery", new { }));
            jobId = job.GetProperty("id").GetString()!;
            await WaitForAsync(() => sshd.Hosts.Get(connection.HostName).CommandLog.Any(c => c.Fault == FaultKind.Hang));

            appliance.Kill();
        }

        var rotatedKey = sshd.Hosts.Get(connection.HostName).Config.RecoveryKey;
        await using (var restarted = await ApplianceProcess.StartAsync(dataDirectory, port, settings))
        {
            using var admin = await restarted.TokenClientAsync();
            var job = await WaitAsync(admin, jobId);

            job.GetProperty("state").GetString().Should().Be("succeeded", job.GetRawText());
            var rotate = job.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("kind").GetString() == "rotate");
            rotate.GetProperty("attempts").GetInt32().Should().Be(2);
            rotate.GetProperty("output").GetString().Should().Contain("an earlier attempt had rotated");
            job.GetRawText().Should().NotContain(rotatedKey);
        }

        var state = sshd.Hosts.Get(connection.HostName);
        state.CommandLog.Count(c => c.Command.StartsWith("esxcli system settings encryption recovery rotate", StringComparison.Ordinal)).Should().Be(1);
        state.Config.RecoveryKey.Should().Be(rotatedKey);
        state.IsConfigDirty.Should().BeFalse();
        using var store = AppStore.Open(dataDirectory, Path.Combine(dataDirectory, "kek.key"));
        var sealer = new KeySealer(store.Kek);
        var versions = store.Database.Collection<KeyVersionRecord>(EscrowService.KeysCollection).FindAll().Where(v => v.HostId == Guid.Parse(hostId)).OrderBy(v => v.Version).ToList();
        versions.Select(v => (v.Status, v.Source)).Should().Equal((KeyStatus.Used, KeySource.Collected), (KeyStatus.Current, KeySource.Rotated));
        var current = versions[1];
        sealer.Open(current.Sealed, new KeyBinding(current.HostId, RecoveryId.Parse(current.RecoveryId), current.Version))
            .FixedTimeEquals(RecoveryKey.Parse(rotatedKey)).Should().BeTrue("the rotated key is escrowed and opens");
    }

    internal static async Task<JsonElement> Json(HttpResponseMessage response)
    {
        response.IsSuccessStatusCode.Should().BeTrue(await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    internal static async Task<JsonElement> WaitAsync(HttpClient client, string jobId)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var job = await client.GetFromJsonAsync<JsonElement>($"/api/jobs/{jobId}");
            if (job.GetProperty("state").GetString() is not ("pending" or "running"))
                return job;
            if (deadline.Elapsed > TimeSpan.FromSeconds(90))
                throw new TimeoutException(job.GetRawText());
            await Task.Delay(50);
        }
    }

    internal static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(60))
                throw new TimeoutException("condition not met");
            await Task.Delay(50);
        }
    }
}
