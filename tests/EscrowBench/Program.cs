// Escrow benchmark (not a test): bulk-imports N hosts with keys through the appliance's API,
// then looks hosts up by MAC, UUID, serial and name, and prints the figures beside the goals.
// Usage: EscrowBench <path to RecoveryAssist.Server.dll> [hosts=100000] [batch=1000] [lookups=2000]
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using RecoveryAssist.Core.Keys;

var serverDll = args.Length > 0 ? args[0] : throw new ArgumentException("usage: EscrowBench <RecoveryAssist.Server.dll> [hosts] [batch] [lookups]");
var hostCount = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100_000;
var batchSize = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1000;
var lookupCount = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 2000;

var data = Path.Combine(Path.GetTempPath(), "ra-bench-" + Guid.NewGuid().ToString("N"));
var port = FreePort();
var start = new ProcessStartInfo("dotnet")
{
    ArgumentList = { serverDll, "--urls", $"http://127.0.0.1:{port}", $"--RecoveryAssist:DataDirectory={data}", "--Logging:LogLevel:Default=Warning" },
    RedirectStandardOutput = true,
    UseShellExecute = false,
};
using var server = Process.Start(start)!;
var password = new TaskCompletionSource<string>();
server.OutputDataReceived += (_, e) =>
{
    const string marker = "one-time password: ";
    var at = e.Data?.IndexOf(marker, StringComparison.Ordinal) ?? -1;
    if (at >= 0)
        password.TrySetResult(e.Data![(at + marker.Length)..].Trim());
};
server.BeginOutputReadLine();
try
{
    using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(5) };
    await WaitHealthy(http);
    var oneTime = await password.Task.WaitAsync(TimeSpan.FromSeconds(30));
    const string newPassword = "benchmark password 1";
    (await http.PostAsJsonAsync("/api/auth/signin", new { userName = "admin", password = oneTime })).EnsureSuccessStatusCode();
    (await http.PostAsJsonAsync("/api/auth/password", new { currentPassword = oneTime, newPassword })).EnsureSuccessStatusCode();
    var token = (await (await http.PostAsJsonAsync("/api/auth/token", new { userName = "admin", password = newPassword })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString();
    http.DefaultRequestHeaders.Authorization = new("Bearer", token);

    Console.WriteLine($"generating {hostCount} hosts with keys...");
    var hosts = Enumerable.Range(0, hostCount).Select(i => new Host(
        $"esx{i:D6}.bench.lab",
        $"00:50:{i >> 24 & 0xff:x2}:{i >> 16 & 0xff:x2}:{i >> 8 & 0xff:x2}:{i & 0xff:x2}",
        Guid.NewGuid().ToString(),
        $"SN{i:D8}",
        RecoveryList(new RecoveryId(Guid.NewGuid()), RecoveryKey.Generate()))).ToArray();

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

    var peakMb = PeakMemoryMb(server.Id);
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
    server.Kill();
    await server.WaitForExitAsync();
    Directory.Delete(data, recursive: true);
}

static string RecoveryList(RecoveryId id, RecoveryKey key) =>
    "Recovery ID                             Key\n--------------------------------------  ---\n" + $"{id}  {key.Reveal()}\n";

static async Task WaitHealthy(HttpClient http)
{
    for (var i = 0; i < 600; i++)
    {
        try
        {
            if ((await http.GetAsync("/healthz")).IsSuccessStatusCode)
                return;
        }
        catch (HttpRequestException)
        {
        }
        await Task.Delay(100);
    }
    throw new TimeoutException("the appliance did not start");
}

static double PeakMemoryMb(int pid)
{
    var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
    return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
}

static int FreePort()
{
    using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
    listener.Start();
    return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
}

internal sealed record Host(string Name, string Mac, string Uuid, string Serial, string Output);
