// Collection benchmark (not a test): N simulated hosts behind one real sshd (told apart by client key),
// enrolled in the appliance (a separate process) with their SSH access; then one "collect all" with the
// given SSH concurrency. Prints total time, per-host job time p50/p99 and the appliance's peak memory
// beside the goal (500 hosts in under 60 s on 2 cores).
// Usage: CollectBench <RecoveryAssist.Server.dll> [hosts=500] [concurrency=32]
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Runtime.Versioning;
using System.Text.Json;
using RecoveryAssist.EndToEnd.Tests.Infrastructure;
using RecoveryAssist.Testing;

[assembly: SupportedOSPlatform("linux")]

var serverDll = args.Length > 0 ? args[0] : throw new ArgumentException("usage: CollectBench <RecoveryAssist.Server.dll> [hosts] [concurrency]");
var hostCount = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 500;
var concurrency = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 32;

using var sshd = new SshdFixture();
var setup = Stopwatch.StartNew();
var hosts = sshd.AddHosts(Enumerable.Range(0, hostCount).Select(i => $"bench-{i:D4}").ToList());
Console.WriteLine($"{hostCount} simulated hosts behind sshd on port {sshd.Port} ({setup.Elapsed.TotalSeconds:F1} s)");

var data = TestDirectory.NewPath("ra-collect-bench-");
var server = await ApplianceProcess.StartAsync(data, FreePort.Tcp(),
[
    $"--RecoveryAssist:HostOps:MaxConcurrency={concurrency}", "--RecoveryAssist:HostOps:CommandTimeoutSeconds=120",
    "--RecoveryAssist:HostOps:ConnectTimeoutSeconds=60", "--RecoveryAssist:HostOps:RecoveryWatchSeconds=0",
], serverDll);
try
{
    using var http = await server.BootstrapAdminAsync();

    setup.Restart();
    await Parallel.ForEachAsync(hosts, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (host, _) =>
    {
        var created = await (await http.PostAsJsonAsync("/api/hosts", new { name = host.HostName, managementAddress = host.Address })).Content.ReadFromJsonAsync<JsonElement>();
        var id = created.GetProperty("id").GetString();
        (await http.PutAsJsonAsync($"/api/hosts/{id}/ssh", new { userName = host.UserName, port = host.Port, privateKey = host.PrivateKeyPem })).EnsureSuccessStatusCode();
    });
    Console.WriteLine($"enrolled {hostCount} hosts with SSH access ({setup.Elapsed.TotalSeconds:F1} s)");

    var first = await CollectAllAsync(http, hostCount);
    var peakAfterFirst = server.PeakMemoryMb();
    // The same collection again: keys and policy are read, the facts are fresh (FactsRefreshHours) and skipped.
    var second = await CollectAllAsync(http, hostCount);
    var peakMb = server.PeakMemoryMb();
    var coverage = await http.GetFromJsonAsync<JsonElement>("/api/reports/coverage");
    string load;
    try
    {
        load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
    }
    catch (IOException)
    {
        load = "?";
    }

    Console.WriteLine();
    Console.WriteLine($"| figure ({hostCount} hosts, concurrency {concurrency}, {Environment.ProcessorCount} cores, load average {load}) | first collection (6 commands/host) | repeat collection (2 commands/host) | goal |");
    Console.WriteLine("|---|---|---|---|");
    Console.WriteLine($"| total time | {first.Elapsed.TotalSeconds:F1} s | {second.Elapsed.TotalSeconds:F1} s | < 60 s for 500 |");
    Console.WriteLine($"| per-host job time p50 | {Percentile(first.PerHost, 0.50):F0} ms | {Percentile(second.PerHost, 0.50):F0} ms | |");
    Console.WriteLine($"| per-host job time p99 | {Percentile(first.PerHost, 0.99):F0} ms | {Percentile(second.PerHost, 0.99):F0} ms | |");
    Console.WriteLine($"| SSH commands (one simulator process each) | {hostCount * 6} | {hostCount * 2} | |");
    Console.WriteLine($"| jobs failed | {first.Failed.Count} | {second.Failed.Count} | 0 |");
    Console.WriteLine($"| appliance peak memory (VmHWM) | {peakAfterFirst:F0} MB | {peakMb:F0} MB | |");
    Console.WriteLine($"| hosts with an escrowed key | {coverage.GetProperty("withCurrentKey").GetInt32()} | | {hostCount} |");
    var failed = first.Failed.Concat(second.Failed).ToList();
    foreach (var job in failed.Take(5))
        Console.WriteLine($"failed: {job.GetProperty("hostName").GetString()}: {job.GetProperty("error").GetString()}");
    return failed.Count == 0 ? 0 : 1;
}
finally
{
    await server.DisposeAsync();
    TestDirectory.Delete(data);
}

static async Task<(TimeSpan Elapsed, List<double> PerHost, List<JsonElement> Failed)> CollectAllAsync(HttpClient http, int hostCount)
{
    var total = Stopwatch.StartNew();
    var started = await (await http.PostAsync("/api/collect", null)).Content.ReadFromJsonAsync<JsonElement>();
    if (started.GetArrayLength() != hostCount)
        throw new InvalidOperationException($"collect started {started.GetArrayLength()} jobs, expected {hostCount}");
    var ids = started.EnumerateArray().Select(j => j.GetProperty("id").GetString()).ToHashSet();
    List<JsonElement> jobs;
    while (true)
    {
        jobs = (await http.GetFromJsonAsync<JsonElement>($"/api/jobs/?take={hostCount * 2}")).EnumerateArray()
            .Where(j => ids.Contains(j.GetProperty("id").GetString())).ToList();
        if (jobs.Count == hostCount && jobs.All(j => j.GetProperty("state").GetString() is "succeeded" or "failed" or "cancelled"))
            break;
        if (total.Elapsed > TimeSpan.FromMinutes(15))
            throw new TimeoutException("collection did not finish within 15 minutes");
        await Task.Delay(200);
    }
    var elapsed = total.Elapsed;
    var perHost = jobs.Where(j => j.GetProperty("started").ValueKind == JsonValueKind.String)
        .Select(j => (j.GetProperty("finished").GetDateTime() - j.GetProperty("started").GetDateTime()).TotalMilliseconds)
        .Order().ToList();
    return (elapsed, perHost, jobs.Where(j => j.GetProperty("state").GetString() != "succeeded").ToList());
}

static double Percentile(List<double> sorted, double p) =>
    sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
