using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using RecoveryAssist.Server.Tests.Infrastructure;

namespace RecoveryAssist.Server.Tests.Durability;

public class KillDuringImportTests
{
    private const int RecordsPerImport = 100;

    private static object Batch(int batch) => new
    {
        records = Enumerable.Range(0, RecordsPerImport)
            .Select(i => new { hostName = $"kill-{batch:D3}-{i:D3}", output = EsxcliOutput.NewHostKey().Output })
            .ToArray(),
    };

    [Fact]
    public async Task BulkImport_AppliancesKilledMidImport_EveryAcknowledgedImportSurvivesAndAuditVerifies()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "ra-kill-" + Guid.NewGuid().ToString("N"));
        var port = FreePort.Tcp();
        var acknowledged = new ConcurrentBag<int>();

        await using (var appliance = await ApplianceProcess.StartAsync(dataDirectory, port))
        {
            using var client = await appliance.BootstrapAdminAsync();
            var enoughAcknowledged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var next = 0;
            async Task ImportLoop()
            {
                while (true)
                {
                    var batch = Interlocked.Increment(ref next);
                    try
                    {
                        var response = await client.PostAsJsonAsync("/api/import/bulk", Batch(batch));
                        if (!response.IsSuccessStatusCode)
                            return;
                        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                        body.GetProperty("succeeded").GetInt32().Should().Be(RecordsPerImport);
                        acknowledged.Add(batch);
                        if (acknowledged.Count >= 6)
                            enoughAcknowledged.TrySetResult();
                    }
                    catch (HttpRequestException)
                    {
                        return; // the appliance was killed under this request: it was never acknowledged
                    }
                }
            }
            var loops = new[] { ImportLoop(), ImportLoop(), ImportLoop() };
            await enoughAcknowledged.Task.WaitAsync(TimeSpan.FromMinutes(3));
            appliance.Kill();
            await Task.WhenAll(loops);
        }

        acknowledged.Should().HaveCountGreaterThanOrEqualTo(6);
        await using var restarted = await ApplianceProcess.StartAsync(dataDirectory, port);
        using var admin = await restarted.TokenClientAsync();
        foreach (var batch in acknowledged)
        {
            foreach (var i in new[] { 0, RecordsPerImport / 2, RecordsPerImport - 1 })
            {
                var found = await admin.GetFromJsonAsync<JsonElement>($"/api/hosts/find?name=kill-{batch:D3}-{i:D3}");
                found.GetArrayLength().Should().Be(1, $"batch {batch} was acknowledged");
                var keys = await admin.GetFromJsonAsync<JsonElement>($"/api/hosts/{found[0].GetProperty("id").GetString()}/keys");
                keys.GetArrayLength().Should().Be(1);
            }
        }
        var hosts = await admin.GetFromJsonAsync<JsonElement>("/api/reports/coverage");
        (hosts.GetProperty("hosts").GetInt32() % RecordsPerImport).Should().Be(0, "a bulk import is all or nothing");
        hosts.GetProperty("withoutKey").GetArrayLength().Should().Be(0);
        var verify = await admin.GetFromJsonAsync<JsonElement>("/api/audit/verify");
        verify.GetProperty("intact").GetBoolean().Should().BeTrue(verify.GetRawText());
    }
}
