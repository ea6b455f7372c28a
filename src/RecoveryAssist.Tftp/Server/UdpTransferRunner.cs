using System.Net;
using System.Net.Sockets;
using RecoveryAssist.Tftp.Protocol;
using RecoveryAssist.Tftp.Transfer;

namespace RecoveryAssist.Tftp.Server;

/// <summary>
/// The UDP edge of one transfer: its own ephemeral socket (the server's transfer ID) and a
/// dedicated thread that blocks in receive, feeds the pure <see cref="ReadTransfer"/> and
/// sends what it asks. A blocking thread answers an ACK with the next DATA without a hop
/// through the thread pool, which is what lock-step throughput depends on.
/// </summary>
internal sealed class UdpTransferRunner : ITftpPacketSink
{
    private const int ReceiveBufferSize = 65536;

    private readonly Socket _socket;
    private readonly SocketAddress _peer;
    private readonly ReadTransfer _transfer;
    private readonly Func<bool> _stopping;
    private readonly Action<TftpErrorCode> _errorSent;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public UdpTransferRunner(
        Socket socket,
        SocketAddress peer,
        Func<ITftpPacketSink, ReadTransfer> createTransfer,
        Func<bool> stopping,
        Action<TftpErrorCode> errorSent)
    {
        _socket = socket;
        _peer = peer;
        _transfer = createTransfer(this);
        _stopping = stopping;
        _errorSent = errorSent;

        // Idle waits are short so that a stop request or a timeout is seen promptly; they cost
        // nothing while packets flow.
        double tick = Math.Clamp(_transfer.Options.Timeout.TotalMilliseconds / 4, 5, 100);
        _socket.ReceiveTimeout = (int)tick;
    }

    public ReadTransfer Transfer => _transfer;

    public Task RunAsync()
    {
        var thread = new Thread(Run, maxStackSize: 256 * 1024)
        {
            IsBackground = true,
            Name = "tftp-transfer",
        };
        thread.Start();
        return _completion.Task;
    }

    public void Send(ReadOnlySpan<byte> packet)
    {
        try
        {
            _socket.SendTo(packet, SocketFlags.None, _peer);
        }
        catch (SocketException)
        {
            // A full send queue or an unreachable client: the retransmission timer covers it.
        }
    }

    private void Run()
    {
        try
        {
            RunCore();
            _completion.TrySetResult();
        }
#pragma warning disable CA1031 // The thread must report every failure to its awaiting task.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            _completion.TrySetException(exception);
        }
    }

    private void RunCore()
    {
        byte[] receive = new byte[ReceiveBufferSize];
        byte[] reply = new byte[64];
        var from = new SocketAddress(_socket.AddressFamily);
        _transfer.Start();
        while (!_transfer.IsFinished)
        {
            if (_stopping())
            {
                _transfer.Abort(TransferOutcome.ServerStopped, TftpErrorCode.NotDefined, "server is shutting down");
                _errorSent(TftpErrorCode.NotDefined);
                break;
            }

            int length;
            try
            {
                length = _socket.ReceiveFrom(receive, SocketFlags.None, from);
            }
            catch (SocketException)
            {
                _transfer.OnTick();
                continue;
            }

            if (from.Equals(_peer))
            {
                _transfer.OnPacket(receive.AsSpan(0, length));
            }
            else if (!IsErrorPacket(receive.AsSpan(0, length)))
            {
                // RFC 1350: a packet from a wrong transfer ID gets error 5 and the transfer
                // goes on undisturbed.
                int replyLength = TftpPacketCodec.WriteError(reply, TftpErrorCode.UnknownTransferId, "unknown transfer ID");
                SendToOther(reply.AsSpan(0, replyLength), from);
            }

            // A stream of stray packets must not hold off the retransmission timer.
            _transfer.OnTick();
        }
    }

    private static bool IsErrorPacket(ReadOnlySpan<byte> packet) =>
        TftpPacketCodec.TryReadOpcode(packet, out TftpOpcode opcode) && opcode == TftpOpcode.Error;

    private void SendToOther(ReadOnlySpan<byte> packet, SocketAddress to)
    {
        try
        {
            _socket.SendTo(packet, SocketFlags.None, to);
            _errorSent(TftpErrorCode.UnknownTransferId);
        }
        catch (SocketException)
        {
            // Best effort only.
        }
    }

    public static EndPoint ToEndPoint(SocketAddress address) =>
        address.Family == AddressFamily.InterNetworkV6
            ? new IPEndPoint(IPAddress.IPv6Any, 0).Create(address)
            : new IPEndPoint(IPAddress.Any, 0).Create(address);
}
