using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using RecoveryAssist.EsxiSimulator.State;

namespace RecoveryAssist.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A real OpenSSH server on 127.0.0.1 (a free port), run as the current user, that serves any number of
/// simulated ESXi hosts.
/// </summary>
/// <remarks>
/// <para>
/// <b>How hosts are told apart: by client key.</b> Every simulated host gets its own key pair; its line in
/// the one authorized_keys file carries <c>command="... esxi-sim serve --host NAME",restrict</c>. sshd
/// runs that command instead of the client's and puts the client's command in SSH_ORIGINAL_COMMAND.
/// Telling hosts apart by user name would need a Unix account per host (sshd resolves every user with
/// getpwnam), and by port one sshd per host; a key per host needs neither, works for root and for an
/// unprivileged user, and scales to hundreds of hosts on one sshd (OpenSSH 9.2 reads authorized_keys
/// on each authentication, so hosts are added without a restart). Every host's user name is the
/// current user (root here), as on a real ESXi host.
/// </para>
/// <para>
/// <b>Password authentication</b> needs a real account with a password. When the tests run as root,
/// <see cref="AddPasswordHost"/> creates a throw-away account (useradd, chpasswd; removed on dispose)
/// bound to one simulated host by a <c>Match User</c> block with ForceCommand, and restarts sshd (its
/// configuration is read at start). PAM is off (UsePAM no): sshd checks /etc/shadow itself.
/// </para>
/// </remarks>
public sealed class SshdFixture : IDisposable
{
    public const string Address = "127.0.0.1";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    private readonly Lock _gate = new();
    private readonly List<string> _authorizedKeys = [];
    private readonly List<PasswordAccount> _passwordAccounts = [];
    private readonly string _simulatorCommand;
    private Process? _sshd;
    private bool _disposed;

    public SshdFixture()
    {
        SshdRequirement.EnsureAvailable();
        Directory = System.IO.Directory.CreateTempSubdirectory("ra-sshd-").FullName;
        // Readable by the throw-away password accounts too; nothing secret lives here but test keys.
        File.SetUnixFileMode(Directory, (UnixFileMode)0b111_101_101);
        StateDirectory = Path.Combine(Directory, "hosts");
        System.IO.Directory.CreateDirectory(StateDirectory);
        File.SetUnixFileMode(StateDirectory, (UnixFileMode)0b111_101_101);
        Hosts = new HostStore(StateDirectory);
        UserName = Environment.UserName;
        _simulatorCommand = SimulatorCommand(StateDirectory);
        File.WriteAllText(AuthorizedKeysPath, "");
        GenerateHostKey();
        StartOnFreePort();
    }

    /// <summary>The fixture's temporary directory (sshd_config, host key, authorized_keys, sshd.log, hosts/).</summary>
    public string Directory { get; }

    /// <summary>One sub-directory per simulated host, each with its state.json.</summary>
    public string StateDirectory { get; }

    /// <summary>The simulated hosts' state: create hosts, read what commands did, inject faults.</summary>
    public HostStore Hosts { get; }

    public int Port { get; private set; }

    /// <summary>The user every key-authenticated host is reached as (the current user).</summary>
    public string UserName { get; }

    /// <summary>The server's host key fingerprint (SHA256, base64 without padding, as SSH.NET's FingerPrintSHA256).</summary>
    public string HostKeyFingerprintSha256 { get; private set; } = "";

    public string LogPath => Path.Combine(Directory, "sshd.log");

    private string ConfigPath => Path.Combine(Directory, "sshd_config");

    private string HostKeyPath => Path.Combine(Directory, "ssh_host_ed25519_key");

    private string AuthorizedKeysPath => Path.Combine(Directory, "authorized_keys");

    public static bool PasswordAuthenticationSupported =>
        SshdRequirement.IsRoot && File.Exists("/usr/sbin/useradd") && File.Exists("/usr/sbin/chpasswd");

    /// <summary>Creates a simulated host and lets its own key in. Returns how to reach it.</summary>
    public SimulatedHostConnection AddHost(string name, int seed = 0, Action<HostState>? configure = null) =>
        AddHosts([name], seed, configure)[0];

    /// <summary>Creates many hosts with one rewrite of authorized_keys (for hundreds of hosts).</summary>
    public IReadOnlyList<SimulatedHostConnection> AddHosts(IReadOnlyList<string> names, int seed = 0, Action<HostState>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(names);
        var connections = new List<SimulatedHostConnection>(names.Count);
        var lines = new List<string>(names.Count);
        foreach (var name in names)
        {
            Hosts.Create(name, seed, configure);
            var key = ClientKey.Create();
            var command = $"{_simulatorCommand} --host {ShellQuote(name)}";
            lines.Add($"command=\"{command.Replace("\"", "\\\"", StringComparison.Ordinal)}\",restrict {key.PublicKeyLine} esxi-sim:{name}");
            connections.Add(new SimulatedHostConnection(name, Address, Port, UserName, key.PrivateKeyPem, null, this));
        }
        lock (_gate)
        {
            _authorizedKeys.AddRange(lines);
            WriteAtomically(AuthorizedKeysPath, string.Join('\n', _authorizedKeys) + "\n");
        }
        return connections;
    }

    /// <summary>
    /// Creates a simulated host reached by user name and password (a throw-away Unix account).
    /// Needs root; restarts sshd on the same port (connections already open keep working).
    /// </summary>
    public SimulatedHostConnection AddPasswordHost(string name, int seed = 0, Action<HostState>? configure = null)
    {
        if (!PasswordAuthenticationSupported)
            throw new NotSupportedException("Password authentication needs root (useradd/chpasswd) to create a throw-away account.");
        Hosts.Create(name, seed, configure);
        var user = "rasim" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));
        var password = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('/', 'x').Replace('+', 'y');
        Run("/usr/sbin/useradd", ["-M", "-N", "-g", "nogroup", "-d", "/", "-s", "/bin/sh", "-c", "RecoveryAssist esxi-sim test account", user]);
        lock (_gate)
            _passwordAccounts.Add(new PasswordAccount(user, name));
        Run("/usr/sbin/chpasswd", [], stdin: $"{user}:{password}\n");

        // The session runs as that account: it must be able to lock and replace this host's state.
        var hostDirectory = Path.Combine(StateDirectory, name);
        File.SetUnixFileMode(hostDirectory, (UnixFileMode)0b111_111_111);
        var lockPath = Path.Combine(hostDirectory, "state.lock");
        if (!File.Exists(lockPath))
            File.WriteAllBytes(lockPath, []);
        File.SetUnixFileMode(lockPath, (UnixFileMode)0b110_110_110);

        Restart(newHostKey: false);
        return new SimulatedHostConnection(name, Address, Port, user, null, password, this);
    }

    /// <summary>Replaces the server's host key and restarts sshd on the same port: clients that pinned the old key must refuse.</summary>
    public void ChangeHostKey() => Restart(newHostKey: true);

    /// <summary>Stops the server (a host that does not answer at all). <see cref="Start"/> brings it back on the same port.</summary>
    public void Stop()
    {
        lock (_gate)
        {
            if (_sshd is null)
                return;
            try
            {
                _sshd.Kill();
            }
            catch (InvalidOperationException)
            {
            }
            _sshd.WaitForExit();
            _sshd.Dispose();
            _sshd = null;
        }
    }

    public void Start()
    {
        lock (_gate)
        {
            if (_sshd is not null)
                return;
            WriteConfig();
            StartSshd();
        }
    }

    private void Restart(bool newHostKey)
    {
        lock (_gate)
        {
            Stop();
            if (newHostKey)
                GenerateHostKey();
            Start();
        }
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        Stop();
        KillSimulatorSessions();
        foreach (var account in _passwordAccounts)
        {
            try
            {
                Run("/usr/sbin/userdel", [account.User]);
            }
            catch (InvalidOperationException)
            {
                // Best effort: the account has no home and a random name.
            }
        }
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void StartOnFreePort()
    {
        Exception? last = null;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            Port = FreeLoopbackPort();
            try
            {
                Start();
                return;
            }
            catch (SshdStartException e) when (e.Message.Contains("Address already in use", StringComparison.Ordinal))
            {
                last = e;
            }
        }
        throw new InvalidOperationException("sshd could not bind a free loopback port after 5 attempts.", last);
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private void GenerateHostKey()
    {
        File.Delete(HostKeyPath);
        File.Delete(HostKeyPath + ".pub");
        Run(SshdRequirement.SshKeygenPath!, ["-q", "-t", "ed25519", "-N", "", "-C", "esxi-sim-host", "-f", HostKeyPath]);
        HostKeyFingerprintSha256 = ClientKey.FingerprintOf(File.ReadAllText(HostKeyPath + ".pub"));
    }

    private void WriteConfig()
    {
        var users = new[] { UserName }.Concat(_passwordAccounts.Select(a => a.User));
        var config = new StringBuilder();
        config.Append($"""
            # Written by RecoveryAssist.EndToEnd.Tests SshdFixture: loopback only, keys and test accounts only.
            Port {Port}
            ListenAddress {Address}
            AddressFamily inet
            HostKey {HostKeyPath}
            PidFile {Path.Combine(Directory, "sshd.pid")}
            AuthorizedKeysFile {AuthorizedKeysPath}
            AllowUsers {string.Join(' ', users)}
            StrictModes no
            PubkeyAuthentication yes
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM no
            PermitRootLogin prohibit-password
            PermitEmptyPasswords no
            PermitUserEnvironment no
            # Hundreds of hosts connect at once: do not drop unauthenticated connections early.
            MaxStartups 1000:30:2000
            MaxSessions 100
            MaxAuthTries 6
            LoginGraceTime 60
            UseDNS no
            PrintMotd no
            PrintLastLog no
            X11Forwarding no
            AllowTcpForwarding no
            AllowAgentForwarding no
            AllowStreamLocalForwarding no
            PermitTunnel no
            LogLevel VERBOSE
            # bash (root's shell) sources ~/.bashrc for commands run by sshd when SHLVL < 1; the
            # simulator must not depend on, or pay for, the account's dotfiles.
            SetEnv SHLVL=1

            """);
        foreach (var account in _passwordAccounts)
        {
            config.Append($"""
                Match User {account.User}
                    PasswordAuthentication yes
                    ForceCommand {_simulatorCommand} --host {ShellQuote(account.Host)}

                """);
        }
        File.WriteAllText(ConfigPath, config.ToString());
    }

    private void StartSshd()
    {
        if (SshdRequirement.IsRoot)
        {
            // sshd running as root needs its privilege-separation directory (systemd normally creates it).
            System.IO.Directory.CreateDirectory("/run/sshd");
        }
        var check = Run(SshdRequirement.SshdPath, ["-t", "-f", ConfigPath], throwOnError: false);
        if (check.ExitCode != 0)
            throw new SshdStartException($"sshd rejected the configuration {ConfigPath}: {check.Output}");

        var start = new ProcessStartInfo(SshdRequirement.SshdPath)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-D", "-f", ConfigPath, "-E", LogPath })
            start.ArgumentList.Add(argument);
        var logStart = File.Exists(LogPath) ? new FileInfo(LogPath).Length : 0;
        var sshd = Process.Start(start) ?? throw new SshdStartException("sshd did not start.");
        sshd.OutputDataReceived += (_, _) => { };
        sshd.ErrorDataReceived += (_, _) => { };
        sshd.BeginOutputReadLine();
        sshd.BeginErrorReadLine();
        sshd.StandardInput.Close();

        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (sshd.HasExited)
            {
                var log = File.Exists(LogPath) ? ReadFrom(LogPath, logStart) : "";
                sshd.Dispose();
                throw new SshdStartException($"sshd exited with code {sshd.ExitCode} on port {Port}: {log}");
            }
            if (AnswersWithBanner(Port))
            {
                _sshd = sshd;
                return;
            }
            if (deadline.Elapsed > StartTimeout)
            {
                sshd.Kill();
                sshd.Dispose();
                throw new SshdStartException($"sshd did not answer on {Address}:{Port} within {StartTimeout.TotalSeconds} s; see {LogPath}.");
            }
            Thread.Sleep(20);
        }
    }

    private static bool AnswersWithBanner(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.ReceiveTimeout = 2000;
            client.Connect(IPAddress.Loopback, port);
            var buffer = new byte[8];
            var read = client.GetStream().Read(buffer);
            return read >= 4 && Encoding.ASCII.GetString(buffer, 0, read).StartsWith("SSH-", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Ends simulator processes of this fixture left hanging (a Hang fault whose client never disconnected).</summary>
    private void KillSimulatorSessions()
    {
        foreach (var directory in System.IO.Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
                continue;
            string commandLine;
            try
            {
                commandLine = File.ReadAllText(Path.Combine(directory, "cmdline"));
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }
            if (!commandLine.Contains("esxi-sim.dll", StringComparison.Ordinal) || !commandLine.Contains(StateDirectory, StringComparison.Ordinal))
                continue;
            try
            {
                using var process = Process.GetProcessById(pid);
                process.Kill();
            }
            catch (ArgumentException)
            {
            }
            catch (InvalidOperationException)
            {
            }
        }
    }

    /// <summary>The forced command: the test run's dotnet host with the simulator copied beside the tests.</summary>
    private static string SimulatorCommand(string stateDirectory)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath && File.Exists(hostPath)
            ? hostPath
            : Environment.ProcessPath is { } processPath && Path.GetFileNameWithoutExtension(processPath) == "dotnet"
                ? processPath
                : SshdRequirement.FindOnPath("dotnet") ?? throw new InvalidOperationException("dotnet was not found to run the simulator.");
        var simulator = Path.Combine(AppContext.BaseDirectory, "esxi-sim.dll");
        if (!File.Exists(simulator))
            throw new InvalidOperationException($"The simulator {simulator} is missing: build tests/EsxiSimulator.");
        return $"exec {ShellQuote(dotnet)} {ShellQuote(simulator)} serve --state-dir {ShellQuote(stateDirectory)}";
    }

    private static string ShellQuote(string value)
    {
        if (value.Contains('\'', StringComparison.Ordinal) || value.Contains('"', StringComparison.Ordinal))
            throw new ArgumentException($"Quotes are not supported in paths or host names: {value}");
        return "'" + value + "'";
    }

    private static void WriteAtomically(string path, string content)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, content);
        File.Move(temporary, path, overwrite: true);
    }

    private static string ReadFrom(string path, long offset)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(offset, SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Trim();
    }

    private static (int ExitCode, string Output) Run(string program, IReadOnlyList<string> arguments, string? stdin = null, bool throwOnError = true)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        if (stdin is not null)
            process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        var text = (output.Result + error).Trim();
        if (throwOnError && process.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(program)} exited with {process.ExitCode}: {text}");
        return (process.ExitCode, text);
    }

    private sealed record PasswordAccount(string User, string Host);
}

public sealed class SshdStartException(string message) : Exception(message);
