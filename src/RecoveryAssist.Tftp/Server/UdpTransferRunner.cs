using System.Net;
using System.Net.Sockets;
using RecoveryAssist.Tftp.Protocol;
using RecoveryAssist.Tftp.Transfer;

namespace RecoveryAssist.Tftp.Server;

/// <summary>
/// The UDP edge of one transfer: its own ephemeral socket (the server's transfer ID), on a
/// dedicated thread that blocks in receive, feeds the pure <see cref="ReadTransfer"/> and
/// sends what it asks. A blocking thread answers an ACK with the next DATA without a hop
/// through the thread pool, which is what lock-step throughput depends on.
/// </summary>
internal sealed class UdpTransferRunner : ITftpPacketSink
{
    private const int ReceiveBufferSize = 65536;

    // Linux UDP segmentation offload (udp(7), UDP_SEGMENT at level SOL_UDP): one send carries a
    // run of equal-sized datagrams that the kernel or the NIC cuts apart, so a window costs one
    // system call and one route lookup instead of one per block.
    private const int SolUdp = 17;
    private const int UdpSegment = 103;

    private readonly Socket _socket;
    private readonly SocketAddress _peer;
    private readonly ReadTransfer _transfer;
    private readonly Func<bool> _stopping;
    private readonly Action<TftpErrorCode> _errorSent;
    private readonly BusyPoll.Session _busyPoll;
    private SegmentationState _segmentation;

    public UdpTransferRunner(
        Socket socket,
        SocketAddress peer,
        Func<ITftpPacketSink, ReadTransfer> createTransfer,
        Func<bool> stopping,
        Action<TftpErrorCode> errorSent,
        BusyPoll busyPoll,
        bool segmentationOffload)
    {
        _socket = socket;
        _peer = peer;
        _transfer = createTransfer(this);
        _stopping = stopping;
        _errorSent = errorSent;
        _busyPoll = busyPoll.Start();
        _segmentation = segmentationOffload && OperatingSystem.IsLinux() ? SegmentationState.NotSetUp : SegmentationState.Off;

        // Idle waits are short so that a stop request or a timeout is seen promptly; they cost
        // nothing while packets flow.
        double tick = Math.Clamp(_transfer.Options.Timeout.TotalMilliseconds / 4, 5, 100);
        _socket.ReceiveTimeout = (int)tick;
    }

    public ReadTransfer Transfer => _transfer;

    /// <summary>Whether batches currently leave as one segmented send.</summary>
    internal bool IsSegmenting => _segmentation == SegmentationState.On;

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

    public void SendBatch(ReadOnlySpan<byte> packets, int packetSize)
    {
        if (TrySendSegmented(packets, packetSize))
        {
            return;
        }

        for (int start = 0; start < packets.Length; start += packetSize)
        {
            Send(packets[start..Math.Min(start + packetSize, packets.Length)]);
        }
    }

    /// <returns>False when the packets must still be sent one by one.</returns>
    private bool TrySendSegmented(ReadOnlySpan<byte> packets, int packetSize)
    {
        if (_segmentation == SegmentationState.NotSetUp)
        {
            try
            {
                // The segment size is the transfer's full packet size, fixed for its whole life.
                Span<byte> size = stackalloc byte[sizeof(int)];
                BitConverter.TryWriteBytes(size, packetSize);
                _socket.SetRawSocketOption(SolUdp, UdpSegment, size);
                _segmentation = SegmentationState.On;
            }
            catch (SocketException)
            {
                _segmentation = SegmentationState.Off; // A kernel older than 4.18.
            }
        }

        if (_segmentation != SegmentationState.On)
        {
            return false;
        }

        try
        {
            _socket.SendTo(packets, SocketFlags.None, _peer);
            return true;
        }
        catch (SocketException exception) when (exception.SocketErrorCode is SocketError.NoBufferSpaceAvailable or SocketError.WouldBlock)
        {
            return true; // A full send queue: the retransmission timer covers it, as for single packets.
        }
        catch (SocketException)
        {
            // Refused for this path: a segment larger than the route's MTU (EINVAL) or a device
            // without checksum offload (EIO). Plain datagrams from now on.
            _segmentation = SegmentationState.Off;
            return false;
        }
    }

    /// <summary>Serves the transfer to its end on the calling thread, which it blocks.</summary>
    public void Run()
    {
        using (_busyPoll)
        {
            RunCore();
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
                _busyPoll.BeforeReceive(_socket);
                length = _socket.ReceiveFrom(receive, SocketFlags.None, from);
                _busyPoll.Received();
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

    private enum SegmentationState
    {
        NotSetUp,
        On,
        Off,
    }

    public static EndPoint ToEndPoint(SocketAddress address) =>
        address.Family == AddressFamily.InterNetworkV6
            ? new IPEndPoint(IPAddress.IPv6Any, 0).Create(address)
            : new IPEndPoint(IPAddress.Any, 0).Create(address);
}
