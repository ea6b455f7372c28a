// Escrow benchmark (not a test): bulk-imports N hosts with keys through the appliance's API,
// then looks hosts up by MAC, UUID, serial and name, and prints the figures beside the goals.
// Usage: EscrowBench <path to RecoveryAssist.Server.dll> [hosts=100000] [batch=1000] [lookups=2000]
using System.Diagnostics;
using RecoveryAssist.Testing;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using RecoveryAssist.Core.Keys;

var serverDll = args.Length > 0 ? args[0] : throw new ArgumentException("usage: EscrowBench <RecoveryAssist.Server.dll> [hosts] [batch] [lookups]");
var hostCount = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100_000;
var batchSize = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1000;
var lookupCount = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 2000;

var data = TestDirectory.NewPath("ra-bench-");
var server = await ApplianceProcess.StartAsync(data, FreePort.Tcp(), serverDll: serverDll);
try
{
    using var http = await server.BootstrapAdminAsync();

    Console.WriteLine($"generating {hostCount} hosts with keys...");
    var hosts = Enumerable.Range(0, hostCount).Select(i => new Host(
        $"esx{i:D6}.bench.lab",
        $"00:50:{i >> 24 & 0xff:x2}:{i >> 16 & 0xff:x2}:{i >> 8 & 0xff:x2}:{i & 0xff:x2}",
        Guid.NewGuid().ToString(),
        $"SN{i:D8}",
        EsxcliOutput.NewHostKey().Output)).ToArray();

    var import = Stopwatch.StartNew();
    var failed = 0;
    for (var offset = 0; offset < hostCount; offset += batchSize)
    {
        var records = hosts.Skip(offset).Take(batchSize).Select(h => new { hostName = h.Name, output = h.Output, macAddresses = new[] { h.Mac }, smbiosUuid = h.Uuid, serial = h.Serial });
        var response = await http.PostAsJsonAsync("/api/import/bulk", new { records });
        response.EnsureSuccessStatusCode();
        failed += (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("failed").GetInt32();
    }
    import.Stop();

    var random = new Random(1);
    var lookups = new (string Kind, Func<Host, string> Query)[]
    {
        ("mac", h => "mac=" + h.Mac),
        ("uuid", h => "uuid=" + h.Uuid),
        ("serial", h => "serial=" + h.Serial),
        ("name", h => "name=" + h.Name),
    };
    var results = new List<(string Kind, double P50, double P99)>();
    // Steady state, not start-up: each kind of lookup is run (untimed) before it is measured, so that the
    // endpoint's first-call JIT and the first pages read from disk are not counted in its p99.
    foreach (var (_, query) in lookups)
    {
        for (var i = 0; i < 200; i++)
            await http.GetFromJsonAsync<JsonElement>("/api/hosts/find?" + query(hosts[random.Next(hostCount)]));
    }
    foreach (var (kind, query) in lookups)
    {
        var times = new List<double>(lookupCount);
        for (var i = 0; i < lookupCount; i++)
        {
            var host = hosts[random.Next(hostCount)];
            var watch = Stopwatch.StartNew();
            var found = await http.GetFromJsonAsync<JsonElement>("/api/hosts/find?" + query(host));
            watch.Stop();
            if (found.GetArrayLength() != 1)
                throw new InvalidOperationException($"lookup by {kind} did not find {host.Name}");
            times.Add(watch.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        results.Add((kind, times[times.Count / 2], times[(int)(times.Count * 0.99)]));
    }

    var peakMb = server.PeakMemoryMb();
    Console.WriteLine();
    Console.WriteLine($"| figure | RecoveryAssist | goal |");
    Console.WriteLine($"|---|---|---|");
    Console.WriteLine($"| bulk import of {hostCount} hosts (batches of {batchSize}) | {import.Elapsed.TotalSeconds:F1} s | < 60 s |");
    Console.WriteLine($"| import throughput | {hostCount / import.Elapsed.TotalSeconds:F0} hosts/s | > {hostCount / 60} hosts/s |");
    Console.WriteLine($"| failed records | {failed} | 0 |");
    foreach (var (kind, p50, p99) in results)
        Console.WriteLine($"| lookup by {kind} over HTTP, p50 / p99 | {p50:F3} / {p99:F3} ms | p99 < 1 ms |");
    Console.WriteLine($"| appliance peak memory (VmHWM) | {peakMb:F0} MB | < 500 MB |");
}
finally
{
    await server.DisposeAsync();
    TestDirectory.Delete(data);
}

internal sealed record Host(string Name, string Mac, string Uuid, string Serial, string Output);
