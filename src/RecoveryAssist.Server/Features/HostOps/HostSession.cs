namespace RecoveryAssist.Server.Features.HostOps;

/// <summary>
/// One job's way to its host: connects on first use, pins the host key on first contact, and
/// reconnects after a dropped connection. Holds a connection slot only while connected.
/// </summary>
internal sealed class HostSession(Guid hostId, HostSshAccess access, ISshConnector connector, TimeSpan commandTimeout, ILogger logger) : IAsyncDisposable
{
    private SshTarget? _target;
    private IHostConnection? _connection;

    /// <exception cref="HostKeyMismatchException">The host presented a key other than the pinned one.</exception>
    /// <exception cref="HostUnreachableException">No connection, a dropped one, or a command that timed out.</exception>
    /// <exception cref="NoSshAccessException">The host has no SSH access configured.</exception>
    public async Task<CommandResult> RunAsync(HostCommand command, CancellationToken cancellationToken)
    {
        _connection ??= await ConnectAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await _connection.RunAsync(command, commandTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HostUnreachableException or OperationCanceledException)
        {
            await CloseAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task<IHostConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        _target ??= access.Target(hostId) ?? throw new NoSshAccessException();
        var connection = await connector.ConnectAsync(_target, cancellationToken).ConfigureAwait(false);
        if (_target.PinnedFingerprint is null)
        {
            // Re-read inside the store: another job may have pinned meanwhile; only the first contact pins.
            access.PinOnFirstContact(hostId, connection.HostKeyFingerprint);
            _target = access.Target(hostId)!;
            if (_target.PinnedFingerprint != connection.HostKeyFingerprint)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw new HostKeyMismatchException(_target.PinnedFingerprint ?? "", connection.HostKeyFingerprint);
            }
            HostOpsLog.KeyPinned(logger, _target.HostName, connection.HostKeyFingerprint);
        }
        return connection;
    }

    /// <summary>Closes the connection (before a wait, or after a failure); the next command reconnects.</summary>
    public async Task CloseAsync()
    {
        if (_connection is { } connection)
        {
            _connection = null;
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Forgets the target so that changed credentials or a re-pin are read on the next connection.</summary>
    public void Refresh() => _target = null;

    public ValueTask DisposeAsync() => new(CloseAsync());
}

internal sealed class NoSshAccessException() : Exception("the host has no SSH access configured (PUT /api/hosts/{id}/ssh)");
