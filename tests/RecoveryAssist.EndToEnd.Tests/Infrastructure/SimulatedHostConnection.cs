using System.Text;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace RecoveryAssist.EndToEnd.Tests.Infrastructure;

/// <summary>
/// How to reach one simulated host: address, port, user, and either a private key (PEM text) or a
/// password. <see cref="HostName"/> is the simulator's name for the host (its state in
/// <see cref="SshdFixture.Hosts"/>), not a DNS name.
/// </summary>
public sealed class SimulatedHostConnection
{
    private readonly SshdFixture _server;

    internal SimulatedHostConnection(string hostName, string address, int port, string userName, string? privateKeyPem, string? password, SshdFixture server)
    {
        HostName = hostName;
        Address = address;
        UserName = userName;
        PrivateKeyPem = privateKeyPem;
        Password = password;
        _server = server;
        _ = port;
    }

    public string HostName { get; }

    public string Address { get; }

    /// <summary>The server's current port (unchanged by <see cref="SshdFixture.ChangeHostKey"/>).</summary>
    public int Port => _server.Port;

    public string UserName { get; }

    /// <summary>"-----BEGIN EC PRIVATE KEY-----..." for key authentication; null for a password host.</summary>
    public string? PrivateKeyPem { get; }

    public string? Password { get; }

    public ConnectionInfo ToConnectionInfo(TimeSpan? timeout = null)
    {
        AuthenticationMethod method = PrivateKeyPem is not null
            ? new PrivateKeyAuthenticationMethod(UserName, new PrivateKeyFile(new MemoryStream(Encoding.ASCII.GetBytes(PrivateKeyPem))))
            : new PasswordAuthenticationMethod(UserName, Password);
        return new ConnectionInfo(Address, Port, UserName, method) { Timeout = timeout ?? TimeSpan.FromSeconds(30) };
    }

    /// <summary>A connected client that accepts only the server's current host key.</summary>
    public SshClient Connect(TimeSpan? timeout = null)
    {
        var client = new SshClient(ToConnectionInfo(timeout));
        var expected = _server.HostKeyFingerprintSha256;
        client.HostKeyReceived += (_, e) => e.CanTrust = e.FingerPrintSHA256 == expected;
        client.Connect();
        return client;
    }

    /// <summary>Connects without blocking a thread (use this for many hosts at once: the sync path starves the thread pool).</summary>
    public async Task<SshClient> ConnectAsync(CancellationToken cancellationToken = default)
    {
        var client = new SshClient(ToConnectionInfo());
        var expected = _server.HostKeyFingerprintSha256;
        client.HostKeyReceived += (_, e) => e.CanTrust = e.FingerPrintSHA256 == expected;
        try
        {
            await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            client.Dispose();
            throw;
        }
        return client;
    }

    public static async Task<CommandOutcome> RunAsync(SshClient client, string command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var ssh = client.CreateCommand(command);
        await ssh.ExecuteAsync(cancellationToken).ConfigureAwait(false);
        return new CommandOutcome(ssh.Result, ssh.Error, ssh.ExitStatus, ssh.ExitSignal);
    }

    /// <summary>Connects, runs one command, disconnects.</summary>
    public CommandOutcome Run(string command, TimeSpan? commandTimeout = null)
    {
        using var client = Connect();
        return Run(client, command, commandTimeout);
    }

    public static CommandOutcome Run(SshClient client, string command, TimeSpan? commandTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var ssh = client.CreateCommand(command);
        ssh.CommandTimeout = commandTimeout ?? TimeSpan.FromSeconds(60);
        ssh.Execute();
        return new CommandOutcome(ssh.Result, ssh.Error, ssh.ExitStatus, ssh.ExitSignal);
    }

    public override string ToString() => $"{UserName}@{Address}:{Port} (simulated host {HostName})";
}

/// <summary>What one command returned over SSH.</summary>
public sealed record CommandOutcome(string Stdout, string Stderr, int? ExitStatus, string? ExitSignal)
{
    public override string ToString() => $"exit {ExitStatus?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}";
}
