using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using RecoveryAssist.Tftp.Files;
using RecoveryAssist.Tftp.Protocol;
using RecoveryAssist.Tftp.Server;
using RecoveryAssist.Tftp.Transfer;

namespace RecoveryAssist.Tftp;

/// <summary>
/// A read-only TFTP server (RFC 1350 with RFC 2347/2348/2349 options and RFC 7440 windows)
/// serving names from an <see cref="ITftpFileProvider"/>. Host it as an
/// <see cref="IHostedService"/> or call <see cref="StartAsync"/> and <see cref="StopAsync"/>
/// directly. Write requests are refused.
/// </summary>
public sealed class TftpServer : IHostedService, IAsyncDisposable
{
    /// <summary>netascii is for small text files; larger ones are refused rather than
    /// converted in memory.</summary>
    internal const int MaxNetasciiSourceBytes = 16 * 1024 * 1024;

    private readonly TftpServerOptions _options;
    private readonly ITftpFileProvider _files;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly TftpMetrics _metrics;
    private readonly NegotiationLimits _limits;
    private readonly BusyPoll _busyPoll;
    private readonly LogBudget _refusalLog;
    private readonly ConcurrentDictionary<SocketAddress, Task> _transfers = new();
    private CancellationTokenSource? _stopping;
    private Socket? _listener;
    private Task? _listenLoop;
    private volatile bool _stopRequested;

    /// <summary>How often a blocked receive on the listen socket looks at the stop flag.</summary>
    private static readonly TimeSpan ListenTick = TimeSpan.FromMilliseconds(250);

    public TftpServer(
        IOptions<TftpServerOptions> options,
        ITftpFileProvider files,
        ILogger<TftpServer>? logger = null,
        TimeProvider? timeProvider = null,
        IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(files);
        _options = options.Value;
        ValidateOptionsResult validation = new TftpServerOptionsValidator().Validate(null, _options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(nameof(TftpServerOptions), typeof(TftpServerOptions), validation.Failures);
        }

        _files = files;
        _logger = logger ?? NullLogger<TftpServer>.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _metrics = new TftpMetrics(meterFactory);
        _limits = new NegotiationLimits(_options.MaxBlockSize, _options.MaxWindowSize, _options.MaxWindowBytes, _options.Timeout, _options.MaxClientTimeoutSeconds);
        _busyPoll = BusyPoll.ForThisMachine(_options.BusyPollMicroseconds);
        _refusalLog = new LogBudget(_time, TftpServerOptions.DefaultRefusalLogsPerSecond);
    }

    /// <summary>The bound listen endpoint once started (useful with <c>Port = 0</c>).</summary>
    public IPEndPoint? LocalEndPoint => _listener?.LocalEndPoint as IPEndPoint;

    /// <summary>Transfers running now.</summary>
    public int ActiveTransfers => _transfers.Count;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_listener is not null)
        {
            throw new InvalidOperationException("The TFTP server is already started.");
        }

        var address = IPAddress.Parse(_options.ListenAddress);
        var listener = CreateSocket(address.AddressFamily);
        listener.Bind(new IPEndPoint(address, _options.Port));
        _listener = listener;
        _stopRequested = false;
        _stopping = new CancellationTokenSource();
        (Thread listenThread, _listenLoop) = NewThread("tftp-listen", () => Listen(listener));
        listenThread.Start();
        TftpLog.Listening(_logger, listener.LocalEndPoint!);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_listener is null)
        {
            return;
        }

        _stopRequested = true;
        await _stopping!.CancelAsync().ConfigureAwait(false);
        WakeListener(_listener);
        _listener.Dispose();
        try
        {
            await _listenLoop!.WaitAsync(cancellationToken).ConfigureAwait(false);
            await WaitForIdleAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _stopping.Dispose();
            _listener = null;
            TftpLog.Stopped(_logger);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        _metrics.Dispose();
    }

    /// <summary>Completes when no transfer is running.</summary>
    internal async Task WaitForIdleAsync(CancellationToken cancellationToken)
    {
        while (_transfers.Values.ToArray() is { Length: > 0 } running)
        {
            await Task.WhenAll(running).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private Socket CreateSocket(AddressFamily family)
    {
        var socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp)
        {
            ReceiveBufferSize = _options.SocketBufferSize,
            SendBufferSize = _options.SocketBufferSize,
        };
        return socket;
    }

    /// <summary>
    /// A thread of its own for <paramref name="body"/> (started by the caller); the task completes
    /// when the body returns. The listener and every transfer block on their sockets in dedicated
    /// threads: a packet is answered by the thread that received it, without a hop through the
    /// thread pool (whose workers spin for a while after each item, a cost paid per transfer on a
    /// small machine).
    /// </summary>
    private static (Thread Thread, Task Done) NewThread(string name, Action body)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(
            () =>
            {
                try
                {
                    body();
                    done.TrySetResult();
                }
#pragma warning disable CA1031 // The thread reports every failure to its task.
                catch (Exception exception)
#pragma warning restore CA1031
                {
                    done.TrySetException(exception);
                }
            },
            maxStackSize: 256 * 1024)
        {
            IsBackground = true,
            Name = name,
        };
        return (thread, done.Task);
    }

    /// <summary>Wakes the listen thread out of its blocking receive at once: on Linux a shutdown
    /// wakes the waiters of an unconnected UDP socket, though it reports "not connected".</summary>
    private static void WakeListener(Socket listener)
    {
        try
        {
            listener.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Expected for UDP; the listen tick is the fallback where no waiter was woken.
        }
    }

    private void Listen(Socket listener)
    {
        byte[] buffer = new byte[65536];
        var from = new SocketAddress(listener.AddressFamily);
        listener.ReceiveTimeout = (int)ListenTick.TotalMilliseconds;
        while (!_stopRequested)
        {
            int length;
            try
            {
                length = listener.ReceiveFrom(buffer, SocketFlags.None, from);
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException exception)
            {
                if (_stopRequested)
                {
                    break;
                }

                if (exception.SocketErrorCode is not (SocketError.TimedOut or SocketError.WouldBlock))
                {
                    TftpLog.ReceiveFailed(_logger, exception);
                }

                continue;
            }

            try
            {
                OnListenPacket(listener, buffer.AsSpan(0, length), from);
            }
#pragma warning disable CA1031 // A packet that trips a bug must not stop the listener.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                TftpLog.RequestFailed(_logger, exception);
            }
        }
    }

    private void OnListenPacket(Socket listener, ReadOnlySpan<byte> packet, SocketAddress from)
    {
        TftpPacket? decoded = TftpPacketCodec.Decode(packet, out TftpParseError? parseError);
        switch (decoded)
        {
            // Junk and stray DATA/ACK on the listen port get no answer: answering a flood would keep the
            // listener busy sending while good requests wait, and would reflect traffic to spoofed addresses.
            case null:
                Drop(from, $"malformed request: {parseError!.Reason}");
                break;
            case TftpRequestPacket { Opcode: TftpOpcode.WriteRequest }:
                Refuse(listener, from, TftpErrorCode.AccessViolation, "write requests are refused: this server is read-only");
                break;
            case TftpRequestPacket request:
                OnReadRequest(listener, request, from);
                break;
            case TftpErrorPacket:
                break;
            default:
                Drop(from, "not a request on the listen port");
                break;
        }
    }

    private void OnReadRequest(Socket listener, TftpRequestPacket request, SocketAddress from)
    {
        bool netascii;
        if (string.Equals(request.Mode, "octet", StringComparison.OrdinalIgnoreCase))
        {
            netascii = false;
        }
        else if (string.Equals(request.Mode, "netascii", StringComparison.OrdinalIgnoreCase))
        {
            netascii = true;
        }
        else
        {
            Refuse(listener, from, TftpErrorCode.IllegalOperation, "unsupported mode; use octet or netascii");
            return;
        }

        if (TftpFileNameValidator.Validate(request.FileName, _options.MaxFileNameLength) is { } reason)
        {
            Refuse(listener, from, TftpErrorCode.AccessViolation, reason);
            return;
        }

        var client = new SocketAddress(from.Family, from.Size);
        from.Buffer.Span[..from.Size].CopyTo(client.Buffer.Span);

        // Only this thread adds transfers, so the count and the insert below cannot race;
        // transfers remove themselves from their own threads.
        if (_transfers.ContainsKey(client))
        {
            // The client re-sent its request before our first answer arrived.
            return;
        }

        if (_transfers.Count >= _options.MaxConcurrentTransfers)
        {
            Refuse(listener, from, TftpErrorCode.NotDefined, "too many transfers in progress; try again later");
            return;
        }

        if (TransfersFrom(client) >= _options.MaxTransfersPerAddress)
        {
            Refuse(listener, from, TftpErrorCode.NotDefined, "too many transfers from this address; try again later");
            return;
        }

        long started = _time.GetTimestamp();
        var endPoint = (IPEndPoint)UdpTransferRunner.ToEndPoint(client);
        Task<TftpFile?> opening;
        try
        {
            // Files on disk and in memory open at once, here, so that a request for a name
            // that is not there costs no thread; a generated file may take longer, and its
            // transfer thread waits for it.
            ValueTask<TftpFile?> pending = _files.OpenAsync(
                new TftpFileRequest(request.FileName, endPoint, _options.CaseInsensitiveNames), _stopping!.Token);
            opening = pending.IsCompletedSuccessfully ? Task.FromResult(pending.Result) : pending.AsTask();
        }
#pragma warning disable CA1031 // A provider that throws fails this request only.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            TftpLog.TransferFailed(_logger, endPoint, request.FileName, exception);
            return;
        }

        if (opening.IsCompletedSuccessfully && opening.Result is null)
        {
            RefuseMissing(listener, client, endPoint, request.FileName, started);
            return;
        }

        // Registered before it starts, so that its own removal can never come first.
        (Thread thread, Task done) = NewThread("tftp-transfer", () => RunTransfer(listener, request, client, netascii, opening, started));
        _transfers[client] = done;
        thread.Start();
    }

    /// <summary>Transfers running for the IP address of <paramref name="client"/>, whatever its port.</summary>
    private int TransfersFrom(SocketAddress client)
    {
        if (_transfers.IsEmpty)
        {
            return 0;
        }

        IPAddress address = ((IPEndPoint)UdpTransferRunner.ToEndPoint(client)).Address;
        int count = 0;
        foreach (SocketAddress running in _transfers.Keys)
        {
            if (((IPEndPoint)UdpTransferRunner.ToEndPoint(running)).Address.Equals(address))
            {
                count++;
            }
        }

        return count;
    }

    private void Drop(SocketAddress from, string reason)
    {
        _metrics.RequestRefused();
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            TftpLog.RequestDropped(_logger, (IPEndPoint)UdpTransferRunner.ToEndPoint(from), reason);
        }
    }

    private void RefuseMissing(Socket listener, SocketAddress client, IPEndPoint endPoint, string fileName, long started)
    {
        Refuse(listener, client, TftpErrorCode.FileNotFound, "file not found");
        LogRefused(endPoint, fileName, started, "file not found");
    }

    /// <summary>One whole transfer, on its own thread: negotiate, serve, log.</summary>
    private void RunTransfer(
        Socket listener,
        TftpRequestPacket request,
        SocketAddress client,
        bool netascii,
        Task<TftpFile?> opening,
        long started)
    {
        var endPoint = (IPEndPoint)UdpTransferRunner.ToEndPoint(client);
        try
        {
            TftpFile? file = opening.GetAwaiter().GetResult();
            if (file is null)
            {
                RefuseMissing(listener, client, endPoint, request.FileName, started);
                return;
            }

            if (netascii)
            {
                using TftpFile source = file;
                if (source.Length > MaxNetasciiSourceBytes)
                {
                    Refuse(listener, client, TftpErrorCode.IllegalOperation, "file too large for netascii; use octet");
                    LogRefused(endPoint, request.FileName, started, "too large for netascii");
                    return;
                }

                byte[] raw = new byte[source.Length];
                source.Read(0, raw);
                file = TftpFile.FromBytes(Netascii.Encode(raw));
            }

            NegotiatedOptions negotiated = OptionNegotiator.Negotiate(request.Options, file.Length, _limits);
            using Socket socket = CreateSocket(listener.AddressFamily);
            socket.Bind(new IPEndPoint(((IPEndPoint)listener.LocalEndPoint!).Address, 0));
            var runner = new UdpTransferRunner(
                socket,
                client,
                sink => new ReadTransfer(file, negotiated, _options.MaxRetries, _time, sink, _options.FirstAckTimeout),
                () => _stopRequested,
                _metrics.ErrorSent,
                _busyPoll,
                _options.SegmentationOffload);
            using ReadTransfer transfer = runner.Transfer;
            _metrics.TransferStarted();
            runner.Run();

            _metrics.TransferEnded(transfer.Outcome, transfer.BytesAcknowledged, transfer.Retransmissions);
            TftpLog.TransferEnded(
                _logger,
                transfer.Outcome,
                endPoint,
                request.FileName,
                negotiated.Describe(),
                transfer.BytesAcknowledged,
                (long)_time.GetElapsedTime(started).TotalMilliseconds,
                transfer.Retransmissions,
                transfer.ClientError ?? "-");
        }
        catch (OperationCanceledException) when (_stopRequested)
        {
            LogRefused(endPoint, request.FileName, started, "server stopped");
        }
#pragma warning disable CA1031 // One failed transfer must never take the server down.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            TftpLog.TransferFailed(_logger, endPoint, request.FileName, exception);
        }
        finally
        {
            _transfers.TryRemove(client, out _);
        }
    }

    private void LogRefused(IPEndPoint client, string file, long started, string detail)
    {
        _metrics.RequestRefused();
        // A flood of bad requests must not queue thousands of log lines (a full console logger blocks its writer).
        if (_refusalLog.TryTake(out long suppressed))
        {
            TftpLog.TransferEnded(_logger, TransferOutcome.Refused, client, file, "none", 0, (long)_time.GetElapsedTime(started).TotalMilliseconds, 0,
                suppressed == 0 ? detail : $"{detail} ({suppressed} similar refusals not logged)");
        }
    }

    private void Refuse(Socket listener, SocketAddress to, TftpErrorCode code, string message)
    {
        Span<byte> packet = stackalloc byte[300];
        int length = TftpPacketCodec.WriteError(packet, code, message);
        try
        {
            listener.SendTo(packet[..length], SocketFlags.None, to);
            _metrics.ErrorSent(code);
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
            // Best effort: the client will time out.
        }

        if (_logger.IsEnabled(LogLevel.Debug))
        {
            TftpLog.RequestDropped(_logger, (IPEndPoint)UdpTransferRunner.ToEndPoint(to), message);
        }
    }
}
