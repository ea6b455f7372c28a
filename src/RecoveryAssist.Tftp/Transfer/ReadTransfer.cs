using RecoveryAssist.Tftp.Files;
using RecoveryAssist.Tftp.Protocol;

namespace RecoveryAssist.Tftp.Transfer;

/// <summary>
/// The server side of one read transfer, as a pure state machine: inputs are packets from
/// the client's transfer ID (<see cref="OnPacket"/>) and time (<see cref="OnTick"/>, read
/// from <see cref="TimeProvider"/>); outputs are packets handed to the sink and the
/// <see cref="Outcome"/>. The caller filters packets from other transfer IDs.
/// </summary>
/// <remarks>
/// Blocks are counted with 64-bit indexes starting at 1; the 16-bit block number on the wire
/// is the index modulo 65536, so transfers past block 65535 roll over to 0 (the behaviour of
/// every current client). The file has <c>Length / BlockSize + 1</c> blocks, so a file whose
/// length is a multiple of the block size ends with a zero-length block.
/// An ACK advances the window only if it names a block that was sent and not yet
/// acknowledged; duplicate and stale ACKs change nothing and send nothing, which is what
/// keeps the Sorcerer's Apprentice syndrome away. Only a timeout re-sends.
/// </remarks>
internal sealed class ReadTransfer : IDisposable
{
    /// <summary>Largest run of packets handed to the sink at once: what one UDP datagram
    /// with segmentation offload can carry (65,507 bytes of IPv4 payload, 64 segments).</summary>
    internal const int MaxBatchBytes = 65507;

    internal const int MaxBatchPackets = 64;

    private readonly TftpFile _file;
    private readonly ITftpPacketSink _sink;
    private readonly TimeProvider _time;
    private readonly int _maxRetries;
    private byte[] _buffer;
    private byte[] _spare;
    private long _prefetchedBlock;
    private int _prefetchedLength;
    private readonly long _lastBlock;
    private readonly int _packetSize;
    private readonly int _batchPackets;

    private readonly TimeSpan _firstAckTimeout;
    private bool _awaitingOptionAck;
    private bool _acknowledgedOnce;
    private long _windowStart = 1;
    private long _nextToSend = 1;
    private long _highestSent;
    private long _deadline;
    private int _tries;

    /// <param name="firstAckTimeout">How long the first packet waits for its ACK; it is never sent again (null: like any other packet).</param>
    public ReadTransfer(TftpFile file, NegotiatedOptions options, int maxRetries, TimeProvider time, ITftpPacketSink sink, TimeSpan? firstAckTimeout = null)
    {
        _firstAckTimeout = firstAckTimeout ?? TimeSpan.Zero;
        _file = file;
        Options = options;
        _maxRetries = maxRetries;
        _time = time;
        _sink = sink;
        _lastBlock = (file.Length / options.BlockSize) + 1;
        _packetSize = options.BlockSize + TftpPacketCodec.HeaderSize;
        _batchPackets = Math.Clamp(Math.Min(options.WindowSize, MaxBatchBytes / _packetSize), 1, MaxBatchPackets);
        _buffer = new byte[Math.Max(_batchPackets * _packetSize, 516)];
        _spare = _batchPackets == 1 ? new byte[_buffer.Length] : [];
    }

    public NegotiatedOptions Options { get; }

    public TransferOutcome Outcome { get; private set; }

    public bool IsFinished => Outcome != TransferOutcome.None;

    /// <summary>Payload bytes the client has acknowledged.</summary>
    public long BytesAcknowledged => Math.Min((_windowStart - 1) * Options.BlockSize, _file.Length);

    /// <summary>DATA and OACK packets sent again after a timeout.</summary>
    public long Retransmissions { get; private set; }

    /// <summary>The error the client sent, when <see cref="Outcome"/> is ClientAborted.</summary>
    public string? ClientError { get; private set; }

    /// <summary>Time left until the current packet or window times out.</summary>
    public TimeSpan TimeUntilDeadline
    {
        get
        {
            if (IsFinished)
            {
                return Timeout.InfiniteTimeSpan;
            }

            TimeSpan left = _time.GetElapsedTime(_time.GetTimestamp(), _deadline);
            return left > TimeSpan.Zero ? left : TimeSpan.Zero;
        }
    }

    /// <summary>
    /// Sends the OACK, or the first block when no option was accepted (then the window is one 512-byte block):
    /// one small packet, whatever the request asked for, until the client has answered once.
    /// </summary>
    public void Start()
    {
        if (Options.OptionAck is { } optionAck)
        {
            _awaitingOptionAck = true;
            SendOptionAck(optionAck);
        }
        else
        {
            SendWindow();
        }

        if (_firstAckTimeout > TimeSpan.Zero)
        {
            _deadline = _time.GetTimestamp() + (long)(_firstAckTimeout.TotalSeconds * _time.TimestampFrequency);
        }
    }

    public void OnPacket(ReadOnlySpan<byte> packet)
    {
        if (IsFinished)
        {
            return;
        }

        if (TftpPacketCodec.TryReadAck(packet, out ushort block))
        {
            OnAck(block);
            return;
        }

        if (TftpPacketCodec.TryReadOpcode(packet, out TftpOpcode opcode) && opcode == TftpOpcode.Error)
        {
            var error = TftpPacketCodec.Decode(packet, out _) as TftpErrorPacket;
            ClientError = error is null ? "malformed error" : $"{(int)error.Code}: {error.Message}";
            Outcome = TransferOutcome.ClientAborted;
        }

        // Anything else from the client's own port (a retransmitted request, garbage) is
        // ignored: ending a good transfer on one bad datagram would make it fragile.
    }

    /// <summary>Re-sends on timeout, or gives up after the configured number of tries.</summary>
    public void OnTick()
    {
        if (IsFinished || _time.GetTimestamp() < _deadline)
        {
            return;
        }

        // An unanswered first packet is not sent again: the request may come from a spoofed address, and a client
        // that lost it asks again with a new request.
        if (_tries >= _maxRetries || (!_acknowledgedOnce && _firstAckTimeout > TimeSpan.Zero))
        {
            Outcome = TransferOutcome.TimedOut;
            return;
        }

        _tries++;
        if (_awaitingOptionAck)
        {
            Retransmissions++;
            SendOptionAck(Options.OptionAck!);
        }
        else
        {
            _nextToSend = _windowStart;
            SendWindow();
        }
    }

    /// <summary>Ends the transfer from the server side, telling the client why.</summary>
    public void Abort(TransferOutcome outcome, TftpErrorCode code, string message)
    {
        if (IsFinished)
        {
            return;
        }

        int length = TftpPacketCodec.WriteError(_buffer, code, message);
        _sink.Send(_buffer.AsSpan(0, length));
        Outcome = outcome;
    }

    private void OnAck(ushort block)
    {
        if (_awaitingOptionAck)
        {
            if (block != 0)
            {
                return;
            }

            _awaitingOptionAck = false;
            _acknowledgedOnce = true;
            _tries = 0;
            SendWindow();
            return;
        }

        // Distance from the last acknowledged block, on the 16-bit wire circle.
        long lastAcknowledged = _windowStart - 1;
        int distance = (ushort)(block - (ushort)lastAcknowledged);
        if (distance == 0 || lastAcknowledged + distance > _highestSent)
        {
            return;
        }

        long acknowledged = lastAcknowledged + distance;
        _acknowledgedOnce = true;
        _windowStart = acknowledged + 1;
        _tries = 0;
        if (acknowledged == _lastBlock)
        {
            Outcome = TransferOutcome.Completed;
            return;
        }

        // RFC 7440: a window acknowledged part-way restarts from the block after the ACK.
        _nextToSend = _windowStart;
        SendWindow();
    }

    private void SendWindow()
    {
        long end = Math.Min(_windowStart + Options.WindowSize - 1, _lastBlock);
        int batched = 0;
        int batchedBytes = 0;
        while (_nextToSend <= end)
        {
            long index = _nextToSend;
            if (index == _prefetchedBlock)
            {
                // Only with batches of one packet, so the batch buffer is empty here.
                (_buffer, _spare) = (_spare, _buffer);
                batchedBytes = _prefetchedLength;
                _prefetchedBlock = 0;
            }
            else
            {
                batchedBytes += WritePacket(_buffer.AsSpan(batchedBytes, _packetSize), index);
            }

            batched++;
            if (index <= _highestSent)
            {
                Retransmissions++;
            }
            else
            {
                _highestSent = index;
            }

            _nextToSend++;
            if (batched == _batchPackets || _nextToSend > end)
            {
                // Only the window's last packet can be short (the file's final block), so every
                // packet but the last in a batch is exactly _packetSize long.
                if (batched == 1)
                {
                    _sink.Send(_buffer.AsSpan(0, batchedBytes));
                }
                else
                {
                    _sink.SendBatch(_buffer.AsSpan(0, batchedBytes), _packetSize);
                }

                batched = 0;
                batchedBytes = 0;
            }
        }

        Arm();
        Prefetch();
    }

    /// <summary>
    /// Reads the block the client's next ACK will ask for while the client is still busy with
    /// this one, as tftpd-hpa does: in lock-step the file read is then off the round trip,
    /// which matters for large blocks. Batched windows read from the file's read-ahead.
    /// </summary>
    private void Prefetch()
    {
        long next = _highestSent + 1;
        if (_batchPackets != 1 || next > _lastBlock || next == _prefetchedBlock)
        {
            return;
        }

        _prefetchedLength = WritePacket(_spare, next);
        _prefetchedBlock = next;
    }

    private int WritePacket(Span<byte> packet, long index)
    {
        long offset = (index - 1) * Options.BlockSize;
        TftpPacketCodec.WriteDataHeader(packet, (ushort)index);
        int payload = index == _lastBlock && offset >= _file.Length
            ? 0
            : _file.Read(offset, packet.Slice(TftpPacketCodec.HeaderSize, Options.BlockSize));
        return TftpPacketCodec.HeaderSize + payload;
    }

    private void SendOptionAck(IReadOnlyList<KeyValuePair<string, string>> optionAck)
    {
        int length = TftpPacketCodec.WriteOptionAck(_buffer, optionAck);
        _sink.Send(_buffer.AsSpan(0, length));
        Arm();
    }

    private void Arm() =>
        _deadline = _time.GetTimestamp() + (long)(Options.Timeout.TotalSeconds * _time.TimestampFrequency);

    public void Dispose() => _file.Dispose();
}
