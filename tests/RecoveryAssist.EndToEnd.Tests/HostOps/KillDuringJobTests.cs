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
        var port = FreePort();
        string hostId;
        string jobId;
        await using (var appliance = await ApplianceProcess.StartAsync(dataDirectory, port))
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
        await using (var restarted = await ApplianceProcess.StartAsync(dataDirectory, port))
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

    private static async Task<JsonElement> Json(HttpResponseMessage response)
    {
        response.IsSuccessStatusCode.Should().BeTrue(await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task<JsonElement> WaitAsync(HttpClient client, string jobId)
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

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(60))
                throw new TimeoutException("condition not met");
            await Task.Delay(50);
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>The appliance as a separate process (dotnet RecoveryAssist.Server.dll) with the fast host-operations settings, so that it can be SIGKILLed.</summary>
internal sealed class ApplianceProcess : IAsyncDisposable
{
    public const string Password = "correct horse battery staple";

    private readonly Process _process;
    private readonly TaskCompletionSource<string?> _oneTimePassword = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ApplianceProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<ApplianceProcess> StartAsync(string dataDirectory, int port)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "RecoveryAssist.Server.dll"), "--urls", $"http://127.0.0.1:{port}", $"--RecoveryAssist:DataDirectory={dataDirectory}", "--Logging:LogLevel:Default=Warning" }
            .Concat(HostOpsAppliance.FastSettings).Append($"--RecoveryAssist:HostOps:CommandTimeoutSeconds=120"))
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment.Remove("RECOVERYASSIST_KEK");
        var process = Process.Start(start)!;
        var appliance = new ApplianceProcess(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) =>
        {
            const string marker = "one-time password: ";
            if (e.Data?.IndexOf(marker, StringComparison.Ordinal) is >= 0 and var at)
                appliance._oneTimePassword.TrySetResult(e.Data[(at + marker.Length)..].Trim());
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var client = new HttpClient { BaseAddress = appliance.Address, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"The appliance exited with code {process.ExitCode}.");
            try
            {
                if ((await client.GetAsync("/healthz")).IsSuccessStatusCode)
                    return appliance;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            if (deadline.Elapsed > TimeSpan.FromSeconds(60))
                throw new TimeoutException("The appliance did not become healthy within 60 s.");
            await Task.Delay(100);
        }
    }

    public async Task<HttpClient> BootstrapAdminAsync()
    {
        var password = await _oneTimePassword.Task.WaitAsync(TimeSpan.FromSeconds(30)) ?? throw new InvalidOperationException("no one-time password printed");
        using var signIn = new HttpClient { BaseAddress = Address };
        (await signIn.PostAsJsonAsync("/api/auth/signin", new { userName = "admin", password })).EnsureSuccessStatusCode();
        (await signIn.PostAsJsonAsync("/api/auth/password", new { currentPassword = password, newPassword = Password })).EnsureSuccessStatusCode();
        return await TokenClientAsync();
    }

    public async Task<HttpClient> TokenClientAsync()
    {
        var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromMinutes(2) };
        var token = await (await client.PostAsJsonAsync("/api/auth/token", new { userName = "admin", password = Password })).Content.ReadFromJsonAsync<JsonElement>();
        client.DefaultRequestHeaders.Authorization = new("Bearer", token.GetProperty("token").GetString());
        return client;
    }

    /// <summary>SIGKILL: no shutdown code runs.</summary>
    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
