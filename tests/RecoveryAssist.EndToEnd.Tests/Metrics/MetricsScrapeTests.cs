using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace RecoveryAssist.EndToEnd.Tests.Metrics;

/// <summary>
/// /metrics on the appliance as a process of its own (its meters are its own): after a recovery session with a
/// reveal, a TFTP transfer and a backup, the exposition passes promtool, holds the named series with the
/// expected values, is refused to anonymous and to roles without metrics:read, and holds no secret.
/// </summary>
public sealed class MetricsScrapeTests
{
    [PromtoolFact]
    public async Task Scrape_AfterActivity_PassesPromtoolAndCountsWhatHappened()
    {
        var promtool = PromtoolFactAttribute.Tool.EnsureAvailable();
        var data = TestDirectory.NewPath("ra-metrics-");
        var port = FreePort.Tcp();
        var tftpPort = FreeUdpPort();
        try
        {
            await using var appliance = await ApplianceProcess.StartAsync(data, port,
            [
                $"--RecoveryAssist:Boot:TftpPort={tftpPort}", "--RecoveryAssist:Boot:TftpListenAddress=127.0.0.1",
                $"--RecoveryAssist:Boot:PublicBaseUrl=http://127.0.0.1:{port}", "--RecoveryAssist:Metrics:StoreRefreshSeconds=0",
            ]);
            using var admin = await appliance.BootstrapAdminAsync();
            var secrets = new List<string> { TestAppliance.Password };
            var technician = await UserClientAsync(appliance, admin, "tech-m", "technician");
            // The second person: not the admin who made tech-m's account (that would be one person twice).
            var approver = await UserClientAsync(appliance, admin, "tech-n", "technician");
            var scraper = await MetricsTokenClientAsync(appliance, admin, secrets);

            var (_, key, output) = EsxcliOutput.NewHostKey();
            secrets.Add(key.Reveal());
            var host = await (await admin.PostAsJsonAsync("/api/hosts", new { name = "esx-metrics.lab" })).Content.ReadFromJsonAsync<JsonElement>();
            (await admin.PostAsJsonAsync($"/api/hosts/{host.GetProperty("id").GetString()}/import", new { output })).EnsureSuccessStatusCode();
            (await admin.PostAsJsonAsync("/api/hosts", new { name = "esx-no-key.lab" })).EnsureSuccessStatusCode();
            var session = (await (await technician.PostAsJsonAsync("/api/sessions", new { host = "esx-metrics.lab", reason = "tpm-cleared", ticket = "M-1" }))
                .Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
            (await approver.PostAsync($"/api/sessions/{session}/approve", null)).EnsureSuccessStatusCode();
            (await technician.PostAsJsonAsync($"/api/sessions/{session}/reveal", new { })).EnsureSuccessStatusCode();
            var bootstrapBytes = await TftpGetAsync(tftpPort, "bootstrap.ipxe");
            (await admin.PostAsJsonAsync("/api/admin/backup", new { })).EnsureSuccessStatusCode();
            var auditRecords = (await admin.GetFromJsonAsync<JsonElement>("/api/audit/verify")).GetProperty("records").GetInt64();

            using var scrape = await scraper.GetAsync("/metrics");
            scrape.StatusCode.Should().Be(HttpStatusCode.OK);
            var body = await scrape.Content.ReadAsStringAsync();

            (await PromtoolCheckAsync(promtool, body)).Should().Be("", "promtool check metrics reports nothing on a clean exposition");
            var series = Parse(body);
            series["recoveryassist_hosts"].Should().Be(2);
            series["recoveryassist_hosts_without_current_key"].Should().Be(1);
            series["recoveryassist_sessions{state=\"revealed\"}"].Should().Be(1);
            series["recoveryassist_sessions{state=\"opened\"}"].Should().Be(0);
            series["recoveryassist_reveals_total"].Should().Be(1);
            series["recoveryassist_rotations_not_saved"].Should().Be(0);
            series.Where(s => s.Key.StartsWith("recoveryassist_alerts{kind=\"escrow_at_risk\"", StringComparison.Ordinal)).Select(s => s.Value)
                .Should().HaveCount(3, "one series a state").And.OnlyContain(v => v == 0);
            series.Keys.Where(k => k.StartsWith("recoveryassist_jobs{state=", StringComparison.Ordinal)).Should().HaveCount(6);
            series["recoveryassist_audit_records"].Should().Be(auditRecords);
            series["tftp_server_transfers_total{outcome=\"Completed\"}"].Should().Be(1);
            series["tftp_server_bytes_sent_bytes_total"].Should().Be(bootstrapBytes);
            series["tftp_server_retransmissions_total"].Should().Be(0);
            series["recoveryassist_backup_last_success_timestamp_seconds"].Should().BeApproximately(DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 300);
            series["recoveryassist_backup_failures_total"].Should().Be(0);
            series.Should().ContainKey(
                "http_server_request_duration_seconds_count{http_request_method=\"POST\",http_response_status_code=\"200\",http_route=\"/api/sessions/{id:guid}/reveal\",network_protocol_version=\"1.1\",url_scheme=\"https\"}");
            foreach (var secret in secrets.Concat(key.RevealGroups()))
                body.Should().NotMatchRegex($"(?<![0-9A-Za-z]){Regex.Escape(secret)}(?![0-9A-Za-z])", "no key digits, token or password reach the exposition");

            using var anonymous = new HttpClient(appliance.Handler()) { BaseAddress = appliance.Address };
            (await anonymous.GetAsync("/metrics")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
            (await technician.GetAsync("/metrics")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        }
        finally
        {
            TestDirectory.Delete(data);
        }
    }

    /// <summary>Sample lines by series (name and labels, the exporter's otel_scope_name label left out).</summary>
    private static Dictionary<string, double> Parse(string body)
    {
        var series = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in body.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
                continue;
            var split = line.LastIndexOf(' ');
            var name = Regex.Replace(line[..split], "otel_scope_name=\"[^\"]*\",?", "").Replace("{}", "", StringComparison.Ordinal).Replace(",}", "}", StringComparison.Ordinal);
            series[name] = double.Parse(line[(split + 1)..], CultureInfo.InvariantCulture);
        }
        return series;
    }

    private static async Task<HttpClient> UserClientAsync(ApplianceProcess appliance, HttpClient admin, string userName, string role)
    {
        (await admin.PostAsJsonAsync("/api/users/", new { userName, role, password = TestAppliance.Password })).EnsureSuccessStatusCode();
        var client = new HttpClient(appliance.Handler()) { BaseAddress = appliance.Address };
        var signedIn = await client.PostAsJsonAsync("/api/auth/signin", new { userName, password = TestAppliance.Password });
        signedIn.EnsureSuccessStatusCode();
        client.DefaultRequestHeaders.Add("X-CSRF-Token", (await signedIn.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("csrfToken").GetString());
        return client;
    }

    /// <summary>What a Prometheus server would hold: an automation user's token narrowed to metrics:read.</summary>
    private static async Task<HttpClient> MetricsTokenClientAsync(ApplianceProcess appliance, HttpClient admin, List<string> secrets)
    {
        // A token is made by its own user: the automation account signs in and makes it.
        using var prometheus = await UserClientAsync(appliance, admin, "prometheus", "automation");
        var created = await (await prometheus.PostAsJsonAsync("/api/tokens", new { name = "scrape", scopes = new[] { "metrics:read" } }))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>();
        var token = created.GetProperty("token").GetString()!;
        secrets.Add(token);
        var client = new HttpClient(appliance.Handler()) { BaseAddress = appliance.Address };
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        return client;
    }

    /// <summary>What <c>promtool check metrics</c> says of an exposition (empty when clean); fails on a non-zero exit.</summary>
    internal static async Task<string> PromtoolCheckAsync(string promtool, string body)
    {
        var start = new ProcessStartInfo(promtool) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("check");
        start.ArgumentList.Add("metrics");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(body);
        process.StandardInput.Close();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var report = (await stdout + await stderr).Trim();
        process.ExitCode.Should().Be(0, report);
        return report;
    }

    /// <summary>A plain RFC 1350 read (512-byte blocks, no options) over loopback; returns the bytes received.</summary>
    private static async Task<long> TftpGetAsync(int port, string name)
    {
        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var request = new List<byte> { 0, 1 };
        request.AddRange(Encoding.ASCII.GetBytes(name));
        request.Add(0);
        request.AddRange(Encoding.ASCII.GetBytes("octet"));
        request.Add(0);
        await client.SendAsync(request.ToArray(), new IPEndPoint(IPAddress.Loopback, port));
        long total = 0;
        while (true)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var packet = await client.ReceiveAsync(timeout.Token);
            packet.Buffer[1].Should().Be(3, "the server answers with DATA");
            total += packet.Buffer.Length - 4;
            await client.SendAsync(new byte[] { 0, 4, packet.Buffer[2], packet.Buffer[3] }, packet.RemoteEndPoint);
            if (packet.Buffer.Length - 4 < 512)
                return total;
        }
    }

    private static int FreeUdpPort()
    {
        using var socket = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.Client.LocalEndPoint!).Port;
    }
}
