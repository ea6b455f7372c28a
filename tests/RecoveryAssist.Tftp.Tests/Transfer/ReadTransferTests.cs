using Microsoft.Extensions.Time.Testing;
using RecoveryAssist.Tftp.Files;
using RecoveryAssist.Tftp.Protocol;
using RecoveryAssist.Tftp.Tests.TestSupport;
using RecoveryAssist.Tftp.Transfer;

namespace RecoveryAssist.Tftp.Tests.Transfer;

public sealed class ReadTransferTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);

    private readonly FakeTimeProvider _time = new();
    private readonly RecordingSink _sink = new();

    private static byte[] Content(int length) => Enumerable.Range(0, length).Select(i => (byte)(i * 7)).ToArray();

    private ReadTransfer Create(byte[] content, int blockSize = 512, int windowSize = 1, bool optionAck = false, int maxRetries = 3)
    {
        IReadOnlyList<KeyValuePair<string, string>>? oack = optionAck ? [new("blksize", blockSize.ToString(System.Globalization.CultureInfo.InvariantCulture))] : null;
        return new ReadTransfer(TftpFile.FromBytes(content), new NegotiatedOptions(blockSize, windowSize, Timeout, oack), maxRetries, _time, _sink);
    }

    private static byte[] Ack(ushort block)
    {
        byte[] packet = new byte[4];
        TftpPacketCodec.WriteAck(packet, block);
        return packet;
    }

    private static byte[] Error(TftpErrorCode code, string message)
    {
        byte[] packet = new byte[300];
        return packet[..TftpPacketCodec.WriteError(packet, code, message)];
    }

    /// <summary>Plays a perfect client: ACKs every window's last block, collects the payload.</summary>
    private byte[] Drain(ReadTransfer transfer)
    {
        var received = new List<byte>();
        while (!transfer.IsFinished)
        {
            var data = _sink.Take().Cast<TftpDataPacket>().ToList();
            data.Should().NotBeEmpty();
            foreach (var packet in data)
            {
                received.AddRange(packet.Payload.ToArray());
            }

            transfer.OnPacket(Ack(data[^1].Block));
        }

        return [.. received];
    }

    [Fact]
    public void Start_NoOptions_SendsFirstDataBlockAtOnce()
    {
        using var transfer = Create(Content(1000));

        transfer.Start();

        var data = _sink.Take().Should().ContainSingle().Which.Should().BeOfType<TftpDataPacket>().Subject;
        data.Block.Should().Be(1);
        data.Payload.Length.Should().Be(512);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(511, 1)]
    [InlineData(512, 2)]
    [InlineData(513, 2)]
    [InlineData(1024, 3)]
    public void OnPacket_AckEveryBlock_DeliversFileEndingWithShortBlock(int length, int blocks)
    {
        byte[] content = Content(length);
        using var transfer = Create(content);
        transfer.Start();
        var sizes = new List<int>();
        var received = new List<byte>();

        while (!transfer.IsFinished)
        {
            var data = (TftpDataPacket)_sink.Take().Single();
            sizes.Add(data.Payload.Length);
            received.AddRange(data.Payload.ToArray());
            transfer.OnPacket(Ack(data.Block));
        }

        transfer.Outcome.Should().Be(TransferOutcome.Completed);
        received.Should().Equal(content);
        sizes.Should().HaveCount(blocks);
        sizes[^1].Should().BeLessThan(512);
        transfer.BytesAcknowledged.Should().Be(length);
        transfer.Retransmissions.Should().Be(0);
    }

    [Fact]
    public void Start_WithOptionAck_SendsOackAndWaitsForAckZero()
    {
        using var transfer = Create(Content(100), optionAck: true);

        transfer.Start();
        _sink.Take().Should().ContainSingle().Which.Should().BeOfType<TftpOptionAckPacket>();

        transfer.OnPacket(Ack(1));
        _sink.Packets.Should().BeEmpty("only ACK 0 acknowledges an OACK");

        transfer.OnPacket(Ack(0));
        _sink.TakeBlocks().Should().Equal(1);
    }

    [Fact]
    public void OnTick_OackUnanswered_ResendsOack()
    {
        using var transfer = Create(Content(100), optionAck: true);
        transfer.Start();
        _sink.Take();

        _time.Advance(Timeout);
        transfer.OnTick();

        _sink.Take().Should().ContainSingle().Which.Should().BeOfType<TftpOptionAckPacket>();
        transfer.Retransmissions.Should().Be(1);
    }

    [Fact]
    public void OnPacket_DuplicateAck_SendsNothing()
    {
        using var transfer = Create(Content(2000));
        transfer.Start();
        _sink.Take();
        transfer.OnPacket(Ack(1));
        _sink.TakeBlocks().Should().Equal(2);

        // The Sorcerer's Apprentice: answering the duplicate would double every later block.
        transfer.OnPacket(Ack(1));
        transfer.OnPacket(Ack(1));

        _sink.Packets.Should().BeEmpty();
        transfer.OnPacket(Ack(2));
        _sink.TakeBlocks().Should().Equal(3);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(60000)]
    public void OnPacket_StaleOrFutureAck_Ignored(int block)
    {
        using var transfer = Create(Content(5000));
        transfer.Start();
        transfer.OnPacket(Ack(1));
        _sink.Take();

        transfer.OnPacket(Ack((ushort)block));

        _sink.Packets.Should().BeEmpty();
        transfer.BytesAcknowledged.Should().Be(512);
    }

    [Fact]
    public void OnTick_DataLost_ResendsSameBlockAfterTimeoutOnly()
    {
        using var transfer = Create(Content(2000));
        transfer.Start();
        _sink.Take();

        _time.Advance(Timeout - TimeSpan.FromMilliseconds(1));
        transfer.OnTick();
        _sink.Packets.Should().BeEmpty();

        _time.Advance(TimeSpan.FromMilliseconds(1));
        transfer.OnTick();
        _sink.TakeBlocks().Should().Equal(1);
        transfer.Retransmissions.Should().Be(1);

        transfer.OnPacket(Ack(1));
        _sink.TakeBlocks().Should().Equal(2);
    }

    [Fact]
    public void OnTick_ClientSilent_GivesUpAfterMaxRetries()
    {
        using var transfer = Create(Content(2000), maxRetries: 3);
        transfer.Start();

        for (int i = 0; i < 3; i++)
        {
            _time.Advance(Timeout);
            transfer.OnTick();
            transfer.IsFinished.Should().BeFalse();
        }

        _time.Advance(Timeout);
        transfer.OnTick();

        transfer.Outcome.Should().Be(TransferOutcome.TimedOut);
        _sink.TakeBlocks().Should().Equal(1, 1, 1, 1);
        transfer.TimeUntilDeadline.Should().Be(System.Threading.Timeout.InfiniteTimeSpan);
    }

    [Fact]
    public void OnPacket_ProgressAfterRetry_ResetsTryCount()
    {
        using var transfer = Create(Content(5000), maxRetries: 1);
        transfer.Start();
        _time.Advance(Timeout);
        transfer.OnTick();
        transfer.OnPacket(Ack(1));

        _time.Advance(Timeout);
        transfer.OnTick();

        transfer.IsFinished.Should().BeFalse();
    }

    [Fact]
    public void Start_Window_SendsWholeWindow()
    {
        using var transfer = Create(Content(100), blockSize: 8, windowSize: 4);

        transfer.Start();

        _sink.TakeBlocks().Should().Equal(1, 2, 3, 4);
    }

    [Fact]
    public void Start_Window_HandsTheWholeWindowToTheSinkInOneBatch()
    {
        using var transfer = Create(Content(100), blockSize: 8, windowSize: 4);

        transfer.Start();

        _sink.CallSizes.Should().Equal(4);
    }

    [Theory]
    [InlineData(1468, 16, new[] { 16 })]
    [InlineData(1468, 64, new[] { 44, 20 })]
    [InlineData(8192, 16, new[] { 7, 7, 2 })]
    [InlineData(32768, 4, new[] { 1, 1, 1, 1 })]
    [InlineData(65464, 2, new[] { 1, 1 })]
    public void Start_WindowLargerThanOneDatagram_SplitIntoBatchesThatFitOne(int blockSize, int windowSize, int[] calls)
    {
        // A batch may go out as one UDP datagram with segmentation offload: at most 65,507 bytes, 64 segments.
        using var transfer = Create(Content(blockSize * windowSize * 2), blockSize, windowSize);

        transfer.Start();

        _sink.CallSizes.Should().Equal(calls);
        _sink.TakeBlocks().Should().Equal(Enumerable.Range(1, windowSize).Select(i => (ushort)i));
    }

    [Fact]
    public void Start_WindowEndingWithShortFinalBlock_OnlyTheLastPacketOfTheBatchIsShort()
    {
        byte[] content = Content((3 * 1468) + 100);
        using var transfer = Create(content, blockSize: 1468, windowSize: 16);

        transfer.Start();

        _sink.CallSizes.Should().Equal(4);
        var data = _sink.Packets.Cast<TftpDataPacket>().ToList();
        data.Select(d => d.Payload.Length).Should().Equal(1468, 1468, 1468, 100);
        data.SelectMany(d => d.Payload.ToArray()).Should().Equal(content);
    }

    [Fact]
    public void Start_FileEndingOnABlockBoundary_BatchEndsWithTheEmptyBlock()
    {
        byte[] content = Content(2 * 1468);
        using var transfer = Create(content, blockSize: 1468, windowSize: 16);

        transfer.Start();

        _sink.CallSizes.Should().Equal(3);
        _sink.Packets.Cast<TftpDataPacket>().Select(d => d.Payload.Length).Should().Equal(1468, 1468, 0);
    }

    /// <summary>Records the offsets a transfer reads.</summary>
    private sealed class CountingFile(byte[] content) : TftpFile
    {
        private readonly TftpFile _inner = FromBytes(content);

        public List<long> Reads { get; } = [];

        public override long Length => _inner.Length;

        public override int Read(long offset, Span<byte> destination)
        {
            Reads.Add(offset);
            return _inner.Read(offset, destination);
        }
    }

    [Fact]
    public void LockStep_NextBlockReadBeforeTheAckAndSentWithoutAnotherRead()
    {
        byte[] content = Content(1300);
        var file = new CountingFile(content);
        using var transfer = new ReadTransfer(file, new NegotiatedOptions(512, 1, Timeout, null), 3, _time, _sink);

        transfer.Start();
        file.Reads.Should().Equal(0, 512);

        transfer.OnPacket(Ack(1));
        file.Reads.Should().Equal(0, 512, 1024);
        transfer.OnPacket(Ack(2));
        transfer.OnPacket(Ack(3));

        transfer.Outcome.Should().Be(TransferOutcome.Completed);
        file.Reads.Should().Equal(0, 512, 1024);
        _sink.Packets.Cast<TftpDataPacket>().SelectMany(d => d.Payload.ToArray()).Should().Equal(content);
    }

    [Fact]
    public void LockStep_TimeoutWhileNextBlockIsPrefetched_ResendsTheOldBlockThenTheNextOne()
    {
        byte[] content = Content(2000);
        using var transfer = Create(content);
        transfer.Start();
        _time.Advance(Timeout);
        transfer.OnTick();
        transfer.OnPacket(Ack(1));
        transfer.OnPacket(Ack(1));
        _time.Advance(Timeout);
        transfer.OnTick();

        var data = _sink.Take().Cast<TftpDataPacket>().ToList();
        data.Select(d => (int)d.Block).Should().Equal(1, 1, 2, 2);
        data[0].Payload.ToArray().Should().Equal(data[1].Payload.ToArray());
        data[2].Payload.ToArray().Should().Equal(content[512..1024]);
        data[3].Payload.ToArray().Should().Equal(content[512..1024]);
        transfer.Retransmissions.Should().Be(2);
    }

    [Fact]
    public void OnPacket_WindowAckedPartWay_RestartsAfterAckedBlock()
    {
        using var transfer = Create(Content(100), blockSize: 8, windowSize: 4);
        transfer.Start();
        _sink.Take();

        transfer.OnPacket(Ack(2));

        _sink.TakeBlocks().Should().Equal(3, 4, 5, 6);
        transfer.Retransmissions.Should().Be(2);
    }

    [Fact]
    public void OnPacket_ReorderedAcksInWindow_OnlyNewerAckAdvances()
    {
        using var transfer = Create(Content(200), blockSize: 8, windowSize: 4);
        transfer.Start();
        _sink.Take();
        transfer.OnPacket(Ack(4));
        _sink.TakeBlocks().Should().Equal(5, 6, 7, 8);

        transfer.OnPacket(Ack(2));
        transfer.OnPacket(Ack(4));

        _sink.Packets.Should().BeEmpty();
    }

    [Fact]
    public void OnTick_WindowLost_ResendsWholeWindow()
    {
        using var transfer = Create(Content(100), blockSize: 8, windowSize: 4);
        transfer.Start();
        _sink.Take();

        _time.Advance(Timeout);
        transfer.OnTick();

        _sink.TakeBlocks().Should().Equal(1, 2, 3, 4);
        transfer.Retransmissions.Should().Be(4);
    }

    [Fact]
    public void OnPacket_WindowBeyondFileEnd_StopsAtFinalBlock()
    {
        byte[] content = Content(20);
        using var transfer = Create(content, blockSize: 8, windowSize: 16);

        transfer.Start();

        var data = _sink.Packets.Cast<TftpDataPacket>().ToList();
        data.Select(d => d.Block).Should().Equal(1, 2, 3);
        data[^1].Payload.Length.Should().Be(4);
        transfer.OnPacket(Ack(3));
        transfer.Outcome.Should().Be(TransferOutcome.Completed);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    public void OnPacket_MoreThan65535Blocks_RollsOverToZeroAndCompletes(int windowSize)
    {
        // 70000 blocks of 8 bytes: block numbers pass 65535 and continue at 0.
        byte[] content = Content(70000 * 8);
        using var transfer = Create(content, blockSize: 8, windowSize: windowSize);
        transfer.Start();

        byte[] received = Drain(transfer);

        transfer.Outcome.Should().Be(TransferOutcome.Completed);
        received.Should().Equal(content);
        transfer.Retransmissions.Should().Be(0);
    }

    [Fact]
    public void OnPacket_AfterRollover_AckZeroMeansBlock65536()
    {
        byte[] content = Content(65540 * 8);
        using var transfer = Create(content, blockSize: 8);
        transfer.Start();
        for (int block = 1; block <= 65535; block++)
        {
            _sink.Take();
            transfer.OnPacket(Ack((ushort)block));
        }

        _sink.TakeBlocks().Should().Equal(0);
        transfer.OnPacket(Ack(65535));
        _sink.Packets.Should().BeEmpty("an ACK of 65535 is now a duplicate");
        transfer.OnPacket(Ack(0));
        _sink.TakeBlocks().Should().Equal(1);
        transfer.BytesAcknowledged.Should().Be(65536 * 8);
    }

    [Fact]
    public void OnPacket_ClientError_EndsAsClientAborted()
    {
        using var transfer = Create(Content(100), optionAck: true);
        transfer.Start();
        _sink.Take();

        transfer.OnPacket(Error(TftpErrorCode.OptionNegotiationFailed, "declined"));

        transfer.Outcome.Should().Be(TransferOutcome.ClientAborted);
        transfer.ClientError.Should().Be("8: declined");
        _sink.Packets.Should().BeEmpty();
    }

    [Theory]
    [InlineData(new byte[] { 0, 3, 0, 1, 9 })]
    [InlineData(new byte[] { 0, 1, (byte)'a', 0 })]
    [InlineData(new byte[] { 0, 99 })]
    [InlineData(new byte[] { 1 })]
    public void OnPacket_GarbageFromClient_Ignored(byte[] packet)
    {
        using var transfer = Create(Content(2000));
        transfer.Start();
        _sink.Take();

        transfer.OnPacket(packet);

        transfer.IsFinished.Should().BeFalse();
        _sink.Packets.Should().BeEmpty();
    }

    [Fact]
    public void Abort_Running_SendsErrorAndEnds()
    {
        using var transfer = Create(Content(2000));
        transfer.Start();
        _sink.Take();

        transfer.Abort(TransferOutcome.ServerStopped, TftpErrorCode.NotDefined, "server is shutting down");

        _sink.Take().Should().ContainSingle().Which.Should().Be(new TftpErrorPacket(TftpErrorCode.NotDefined, "server is shutting down"));
        transfer.Outcome.Should().Be(TransferOutcome.ServerStopped);
    }

    [Fact]
    public void OnPacket_AfterCompletion_Ignored()
    {
        using var transfer = Create(Content(10));
        transfer.Start();
        transfer.OnPacket(Ack(1));
        _sink.Take();

        transfer.OnPacket(Ack(1));
        _time.Advance(Timeout * 10);
        transfer.OnTick();

        _sink.Packets.Should().BeEmpty();
        transfer.Outcome.Should().Be(TransferOutcome.Completed);
    }

    [Fact]
    public void TimeUntilDeadline_AfterSend_CountsDownFromTimeout()
    {
        using var transfer = Create(Content(10));
        transfer.Start();

        _time.Advance(TimeSpan.FromMilliseconds(300));

        transfer.TimeUntilDeadline.Should().Be(TimeSpan.FromMilliseconds(700));
    }
}
