using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RecoveryAssist.EndToEnd.Tests.Appliance;

/// <summary>
/// The installed appliance started as systemd starts the unit: its ExecStart= with its Environment=,
/// as its User= (setpriv), with UMask=, WorkingDirectory= and a StateDirectory= of mode 0700 owned by
/// that user, a clean environment and a NOTIFY_SOCKET it must send READY=1 to. Package paths point
/// into the scratch root; the state directory is this instance's own.
/// </summary>
internal sealed class InstalledAppliance : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Socket _notify;
    private readonly StringBuilder _console = new();

    private InstalledAppliance(Process process, Socket notify, string directory, string stateDirectory, Uri address)
    {
        _process = process;
        _notify = notify;
        Directory = directory;
        StateDirectory = stateDirectory;
        Address = address;
    }

    /// <summary>This instance's folder: state directory, notify socket, settings file.</summary>
    public string Directory { get; }

    public string StateDirectory { get; }

    public Uri Address { get; }

    /// <summary>
    /// The first start's one-time admin password: under systemd the console is the journal, so the
    /// appliance puts it in a file of the data directory instead (read here as root, as an operator would).
    /// </summary>
    public string OneTimePassword => File.ReadAllText(Path.Combine(StateDirectory, "admin-password")).Trim();

    public string Console
    {
        get
        {
            lock (_console)
                return _console.ToString();
        }
    }

    /// <summary>
    /// Starts the appliance. The shipped settings file is copied with the test's ports (HTTP on a free loopback
    /// port, TFTP on any): a fixed port 69 or 8080 would collide with other test runs on this machine.
    /// </summary>
    public static async Task<InstalledAppliance> StartAsync(DebianPackage package)
    {
        var unit = package.Unit();
        var directory = System.IO.Directory.CreateDirectory(TestDirectory.NewPath("ra-installed-")).FullName;
        var user = unit.Single("User");
        var stateDirectory = Path.Combine(directory, "state");
        var packageState = "/var/lib/" + unit.Single("StateDirectory");
        System.IO.Directory.CreateDirectory(stateDirectory, (UnixFileMode)Convert.ToInt32(unit.Single("StateDirectoryMode"), 8));
        await ChownAsync(user, stateDirectory);
        string Reroot(string value) =>
            value == packageState || value.StartsWith(packageState + "/", StringComparison.Ordinal) ? stateDirectory + value[packageState.Length..]
            : value.StartsWith("/usr/", StringComparison.Ordinal) || value.StartsWith("/etc/", StringComparison.Ordinal) ? package.InRoot(value)
            : value;

        var port = FreePort.Tcp();
        var provisioningPort = FreePort.Tcp();
        var environment = unit.Environment.ToDictionary(e => e.Key, e => Reroot(e.Value));
        environment["RECOVERYASSIST_CONFIG"] = WriteTestSettings(environment["RECOVERYASSIST_CONFIG"], directory, port, provisioningPort);

        var notifyPath = Path.Combine(directory, "notify.sock");
        var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(notifyPath));
        File.SetUnixFileMode(notifyPath, (UnixFileMode)0b110_110_110);

        var start = new ProcessStartInfo("setpriv")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // As systemd: the user's identity and groups, UMask= and WorkingDirectory= applied, then ExecStart=.
        string[] arguments =
        [
            $"--reuid={user}", $"--regid={unit.Single("Group")}", "--init-groups", "--",
            "/bin/sh", "-c", $"umask {unit.Single("UMask")} && cd \"$1\" && shift && exec \"$@\"", "sh",
            Reroot(unit.Single("WorkingDirectory")),
            .. unit.ExecStart.Select(Reroot),
        ];
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        start.Environment["HOME"] = stateDirectory;
        start.Environment["USER"] = user;
        start.Environment["LOGNAME"] = user;
        start.Environment["NOTIFY_SOCKET"] = notifyPath;
        // systemd names the journal stream's device:inode here; the appliance only asks whether it is set.
        start.Environment["JOURNAL_STREAM"] = "0:0";
        foreach (var (name, value) in environment)
            start.Environment[name] = value;

        var process = Process.Start(start)!;
        var appliance = new InstalledAppliance(process, notify, directory, stateDirectory, new Uri($"https://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => appliance.Consume(e.Data);
        process.ErrorDataReceived += (_, e) => appliance.Consume(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await appliance.WaitReadyAsync();
        return appliance;
    }

    private static string WriteTestSettings(string shipped, string directory, int port, int provisioningPort)
    {
        var settings = JsonNode.Parse(File.ReadAllText(shipped), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })!;
        settings["RecoveryAssist"]!["Boot"]!["TftpPort"] = 0;
        settings["RecoveryAssist"]!["Listen"]!["Provisioning"] = $"http://127.0.0.1:{provisioningPort}";
        settings["RecoveryAssist"]!["Listen"]!["People"] = $"https://127.0.0.1:{port}";
        var path = Path.Combine(directory, "recoveryassist.json");
        File.WriteAllText(path, settings.ToJsonString());
        return path;
    }

    private void Consume(string? line)
    {
        if (line is null)
            return;
        lock (_console)
            _console.AppendLine(line);
    }

    /// <summary>Waits for READY=1 on the notify socket, as systemd does for Type=notify, then checks that HTTP answers.</summary>
    private async Task WaitReadyAsync()
    {
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var exited = _process.WaitForExitAsync(timeout.Token);
        while (true)
        {
            var received = _notify.ReceiveAsync(buffer, SocketFlags.None, timeout.Token).AsTask();
            if (await Task.WhenAny(received, exited) == exited)
            {
                await exited;
                throw new InvalidOperationException($"The installed appliance exited with code {_process.ExitCode} before READY=1: {Console}");
            }
            var state = Encoding.UTF8.GetString(buffer, 0, await received);
            if (state.Split('\n').Contains("READY=1"))
                break;
        }
        // Only "does it answer": the CLI under test checks the self-signed certificate (pinned on first contact).
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator };
        using var client = new HttpClient(handler) { BaseAddress = Address };
        (await client.GetAsync("/healthz")).EnsureSuccessStatusCode();
    }

    /// <summary>Stops the appliance as systemd stops it (SIGTERM) and returns what it sent on the notify socket meanwhile.</summary>
    public async Task<string> StopAsync()
    {
        if (_process.HasExited)
            return "";
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var received = _notify.ReceiveAsync(buffer, SocketFlags.None, timeout.Token).AsTask();
        (await Tool.RunAsync("kill", "-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture))).ExitCode.Should().Be(0);
        await _process.WaitForExitAsync(timeout.Token);
        return Encoding.UTF8.GetString(buffer, 0, await received);
    }

    private static async Task ChownAsync(string user, string path)
    {
        var result = await Tool.RunAsync("chown", $"{user}:{user}", path);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"chown {path} failed: {result}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        _notify.Dispose();
        TestDirectory.Delete(Directory);
    }
}
