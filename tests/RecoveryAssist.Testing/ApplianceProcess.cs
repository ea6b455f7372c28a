using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace RecoveryAssist.Testing;

/// <summary>
/// The appliance as a separate process (<c>dotnet RecoveryAssist.Server.dll</c>), as the run command starts it,
/// so that it can be SIGKILLed and its memory measured.
/// </summary>
internal sealed class ApplianceProcess : IAsyncDisposable
{
    public const string OneTimePasswordMarker = "one-time password is in ";

    private readonly Process _process;
    private readonly TaskCompletionSource<string?> _oneTimePassword = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ApplianceProcess(Process process, Uri address, string dataDirectory)
    {
        _process = process;
        Address = address;
        _certificateFile = Path.Combine(dataDirectory, "tls", "cert.pem");
    }

    private readonly string _certificateFile;

    /// <summary>The people side (https://).</summary>
    public Uri Address { get; }

    public int ProcessId => _process.Id;

    /// <summary>
    /// Starts the appliance on <paramref name="port"/> over <paramref name="dataDirectory"/> and waits until it is healthy.
    /// <paramref name="serverDll"/> defaults to the build next to the caller; <paramref name="settings"/> are extra
    /// command-line settings.
    /// </summary>
    public static async Task<ApplianceProcess> StartAsync(string dataDirectory, int port, IEnumerable<string>? settings = null, string? serverDll = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] arguments =
        [
            serverDll ?? Path.Combine(AppContext.BaseDirectory, "RecoveryAssist.Server.dll"),
            $"--RecoveryAssist:Listen:People=https://127.0.0.1:{port}",
            $"--RecoveryAssist:Listen:Provisioning=http://127.0.0.1:{FreePort.Tcp()}",
            $"--RecoveryAssist:DataDirectory={dataDirectory}",
            "--RecoveryAssist:Boot:TftpPort=0",
            "--Logging:LogLevel:Default=Warning",
            .. settings ?? [],
        ];
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        // The key-encryption key comes from the data directory, never from the test runner's environment.
        start.Environment.Remove("RECOVERYASSIST_KEK");
        var process = Process.Start(start)!;
        var appliance = new ApplianceProcess(process, new Uri($"https://127.0.0.1:{port}"), dataDirectory);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.IndexOf(OneTimePasswordMarker, StringComparison.Ordinal) is >= 0 and var at)
                appliance._oneTimePassword.TrySetResult(e.Data[(at + OneTimePasswordMarker.Length)..].Split(' ')[0]);
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await appliance.WaitHealthyAsync();
        return appliance;
    }

    /// <summary>The bootstrap admin's password, from the file whose name is printed on first run only.</summary>
    public Task<string?> OneTimePassword => _oneTimePassword.Task.ContinueWith(t => t.Result is { } file ? File.ReadAllText(file).Trim() : null, TaskScheduler.Default);

    public async Task WaitHealthyAsync()
    {
        using var client = new HttpClient(Handler()) { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
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
        using var signIn = new HttpClient(Handler()) { BaseAddress = Address };
        var signedIn = await signIn.PostAsJsonAsync("/api/auth/signin", new { userName = "admin", password });
        signedIn.EnsureSuccessStatusCode();
        signIn.DefaultRequestHeaders.Add("X-CSRF-Token", (await signedIn.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("csrfToken").GetString());
        (await signIn.PostAsJsonAsync("/api/auth/password", new { currentPassword = password, newPassword = TestAppliance.Password })).EnsureSuccessStatusCode();
        return await TokenClientAsync();
    }

    /// <summary>A client with a new API token of the admin (whose password is already <see cref="TestAppliance.Password"/>).</summary>
    public async Task<HttpClient> TokenClientAsync()
    {
        var client = new HttpClient(Handler()) { BaseAddress = Address, Timeout = TimeSpan.FromMinutes(5) };
        var token = await (await client.PostAsJsonAsync("/api/auth/token", new { userName = "admin", password = TestAppliance.Password })).Content.ReadFromJsonAsync<JsonElement>();
        client.DefaultRequestHeaders.Authorization = new("Bearer", token.GetProperty("token").GetString());
        return client;
    }

    /// <summary>A handler that trusts the certificate the appliance generated in its data directory, and nothing else.</summary>
    public HttpClientHandler Handler() => new()
    {
        ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            certificate is not null && File.Exists(_certificateFile)
            && certificate.RawData.AsSpan().SequenceEqual(System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(_certificateFile)).RawData),
    };

    /// <summary>The process's peak resident memory (VmHWM) in MB.</summary>
    public double PeakMemoryMb()
    {
        var line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024;
    }

    /// <summary>CPU time the appliance has used so far (user + system), to tell its own cost from its peers'.</summary>
    public TimeSpan CpuTime()
    {
        _process.Refresh();
        return _process.TotalProcessorTime;
    }

    /// <summary>SIGKILL: no shutdown code runs, as in a power cut of the process.</summary>
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
