using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Options;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace RecoveryAssist.Server.Features.HostOps;

/// <summary>What one command returned. <see cref="ExitCode"/> is null when the host gave none.</summary>
internal sealed record CommandResult(string Stdout, string Stderr, int? ExitCode);

/// <summary>Opens SSH connections to hosts. The only place SSH.NET is used.</summary>
internal interface ISshConnector
{
    /// <exception cref="HostKeyMismatchException">The host presented a key other than the pinned one.</exception>
    /// <exception cref="HostUnreachableException">No connection (refused, timed out, authentication failed).</exception>
    Task<IHostConnection> ConnectAsync(SshTarget target, CancellationToken cancellationToken);
}

internal interface IHostConnection : IAsyncDisposable
{
    /// <summary>The host key the host presented (SHA256, base64 without padding).</summary>
    string HostKeyFingerprint { get; }

    /// <exception cref="HostUnreachableException">The connection dropped, or the command timed out (the connection is then closed).</exception>
    Task<CommandResult> RunAsync(HostCommand command, TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>The host is not reachable, the connection dropped, or a command did not answer in time.</summary>
internal class HostUnreachableException(string message, Exception? inner = null) : Exception(message, inner);

internal sealed class CommandTimeoutException(string message) : HostUnreachableException(message);

/// <summary>The host presented a key other than the pinned one: the connection is refused.</summary>
internal sealed class HostKeyMismatchException(string pinned, string presented)
    : Exception($"host key mismatch: pinned SHA256:{pinned}, host presented SHA256:{presented}; connection refused (re-pin only after checking the host)")
{
    public string Pinned { get; } = pinned;

    public string Presented { get; } = presented;
}

/// <summary>
/// SSH.NET connections with connect and command timeouts, password (and keyboard-interactive, which
/// ESXi's PAM uses) or key authentication, host-key pinning, and at most
/// <see cref="HostOpsOptions.MaxConcurrency"/> connections open at once.
/// </summary>
internal sealed class SshNetConnector : ISshConnector, IDisposable
{
    private readonly SemaphoreSlim _slots;
    private readonly HostOpsOptions _options;

    public SshNetConnector(IOptions<HostOpsOptions> options)
    {
        _options = options.Value;
        _slots = new SemaphoreSlim(_options.MaxConcurrency, _options.MaxConcurrency);
    }

    public async Task<IHostConnection> ConnectAsync(SshTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        SshClient? client = null;
        try
        {
            var info = new Renci.SshNet.ConnectionInfo(target.Address, target.Port, target.UserName, Authentication(target))
            {
                Timeout = _options.ConnectTimeout,
            };
            client = new SshClient(info) { KeepAliveInterval = TimeSpan.FromSeconds(15) };
            string? presented = null;
            client.HostKeyReceived += (_, e) =>
            {
                presented = e.FingerPrintSHA256;
                e.CanTrust = target.PinnedFingerprint is null || string.Equals(target.PinnedFingerprint, presented, StringComparison.Ordinal);
            };
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.ConnectTimeout);
            try
            {
                await client.ConnectAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception) when (presented is not null && target.PinnedFingerprint is not null && presented != target.PinnedFingerprint)
            {
                throw new HostKeyMismatchException(target.PinnedFingerprint, presented);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new HostUnreachableException($"no SSH connection to {target.Address}:{target.Port} within {_options.ConnectTimeout.TotalSeconds:0} s");
            }
            catch (Exception e) when (e is SshException or SocketException or IOException or ProxyException or TimeoutException)
            {
                throw new HostUnreachableException($"no SSH connection to {target.Address}:{target.Port}: {Describe(e)}", e);
            }
            var connection = new SshNetConnection(client, presented ?? "", _slots);
            client = null;
            return connection;
        }
        catch
        {
            client?.Dispose();
            _slots.Release();
            throw;
        }
    }

    private static AuthenticationMethod[] Authentication(SshTarget target)
    {
        if (target.Credential.Kind == SshAuthKind.PrivateKey)
        {
            using var pem = new MemoryStream(Encoding.UTF8.GetBytes(target.Credential.Reveal()));
            return [new PrivateKeyAuthenticationMethod(target.UserName, new PrivateKeyFile(pem))];
        }
        var password = target.Credential.Reveal();
        var interactive = new KeyboardInteractiveAuthenticationMethod(target.UserName);
        interactive.AuthenticationPrompt += (_, e) =>
        {
            foreach (var prompt in e.Prompts)
            {
                if (prompt.Request.Contains("assword", StringComparison.Ordinal))
                    prompt.Response = password;
            }
        };
        return [new PasswordAuthenticationMethod(target.UserName, password), interactive];
    }

    /// <summary>SSH.NET's messages name the problem (refused, auth failed) and never hold the credential.</summary>
    internal static string Describe(Exception e) => e switch
    {
        SshAuthenticationException => "authentication failed (check the user and the credential)",
        SocketException s => s.SocketErrorCode.ToString(),
        _ => e.Message,
    };

    public void Dispose() => _slots.Dispose();

    private sealed class SshNetConnection(SshClient client, string fingerprint, SemaphoreSlim slots) : IHostConnection
    {
        private int _disposed;

        public string HostKeyFingerprint { get; } = fingerprint;

        public async Task<CommandResult> RunAsync(HostCommand command, TimeSpan timeout, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(command);
            if (!client.IsConnected)
                throw new HostUnreachableException("the SSH connection is closed");
            using var ssh = client.CreateCommand(command.Text);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            try
            {
                await ssh.ExecuteAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new CommandTimeoutException($"'{command.Name}' did not answer within {timeout.TotalSeconds:0} s; the connection was closed");
            }
            catch (Exception e) when (e is SshException or SocketException or IOException or ObjectDisposedException)
            {
                throw new HostUnreachableException($"the connection dropped during '{command.Name}': {Describe(e)}", e);
            }
            if (ssh.ExitStatus is null)
                throw new HostUnreachableException($"the connection dropped during '{command.Name}' (no exit status)");
            return new CommandResult(ssh.Result, ssh.Error, ssh.ExitStatus);
        }

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                try
                {
                    client.Dispose();
                }
                finally
                {
                    slots.Release();
                }
            }
            return ValueTask.CompletedTask;
        }
    }
}
