using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace RecoveryAssist.Server.Tests.Infrastructure;

/// <summary>The appliance as a separate process (dotnet RecoveryAssist.Server.dll), so that it can be SIGKILLed.</summary>
internal sealed class ApplianceProcess : IAsyncDisposable
{
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
        var server = Path.Combine(AppContext.BaseDirectory, "RecoveryAssist.Server.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { server, "--urls", $"http://127.0.0.1:{port}", $"--RecoveryAssist:DataDirectory={dataDirectory}", "--Logging:LogLevel:Default=Warning" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment.Remove("RECOVERYASSIST_KEK");
        var process = Process.Start(start)!;
        var appliance = new ApplianceProcess(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) =>
        {
            const string marker = "one-time password: ";
            if (e.Data?.IndexOf(marker, StringComparison.Ordinal) is >= 0 and var at)
                appliance._oneTimePassword.TrySetResult(e.Data[(at + marker.Length)..].Trim());
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await appliance.WaitHealthyAsync();
        return appliance;
    }

    /// <summary>The bootstrap admin's password, printed on first run only.</summary>
    public Task<string?> OneTimePassword => _oneTimePassword.Task;

    public async Task WaitHealthyAsync()
    {
        using var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"The appliance exited with code {_process.ExitCode}.");
            try
            {
                if ((await client.GetAsync("/healthz")).IsSuccessStatusCode)
                    return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("The appliance did not become healthy within 60 s.");
    }

    /// <summary>Signs in the bootstrap admin, replaces its one-time password, and returns a client with an API token.</summary>
    public async Task<HttpClient> BootstrapAdminAsync()
    {
        var password = await OneTimePassword.WaitAsync(TimeSpan.FromSeconds(30)) ?? throw new InvalidOperationException("no one-time password printed");
        using var signIn = new HttpClient { BaseAddress = Address };
        (await signIn.PostAsJsonAsync("/api/auth/signin", new { userName = "admin", password })).EnsureSuccessStatusCode();
        (await signIn.PostAsJsonAsync("/api/auth/password", new { currentPassword = password, newPassword = TestAppliance.Password })).EnsureSuccessStatusCode();
        return await TokenClientAsync();
    }

    public async Task<HttpClient> TokenClientAsync()
    {
        var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromMinutes(2) };
        var token = await (await client.PostAsJsonAsync("/api/auth/token", new { userName = "admin", password = TestAppliance.Password })).Content.ReadFromJsonAsync<JsonElement>();
        client.DefaultRequestHeaders.Authorization = new("Bearer", token.GetProperty("token").GetString());
        return client;
    }

    /// <summary>SIGKILL: no shutdown code runs, as in a power cut of the process.</summary>
    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
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
