using System.Net;
using RecoveryAssist.Tftp.Files;
using RecoveryAssist.Tftp.Protocol;
using RecoveryAssist.Tftp.Tests.TestSupport;

namespace RecoveryAssist.Tftp.Tests.Server;

/// <summary>The server over real loopback sockets, driven packet by packet.</summary>
public sealed class TftpServerTests
{
    private static readonly byte[] TwoBlocks = Enumerable.Range(0, 700).Select(i => (byte)i).ToArray();

    private static TftpFileMap Files() => new TftpFileMap().AddBytes("file.bin", TwoBlocks).AddBytes("text.txt", "a\nb"u8.ToArray());

    private static async Task WaitIdleAsync(RunningServer running) =>
        await running.Server.WaitForIdleAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

    [Fact]
    public async Task ReadRequest_ExistingFile_ServedFromEphemeralPortAndLogged()
    {
        using var meters = new TestMeterFactory();
        await using var running = await RunningServer.StartAsync(Files(), meterFactory: meters);
        using var client = new RawTftpClient();

        client.SendReadRequest(running.EndPoint, "file.bin");
        var (packet, from) = client.Receive();
        byte[] content = client.ReceiveRest((TftpDataPacket)packet, from, 512);
        await WaitIdleAsync(running);

        from.Port.Should().NotBe(running.EndPoint.Port);
        content.Should().Equal(TwoBlocks);
        running.Logger.Entries.Should().ContainSingle(e => e.EventId == 5002).Which.Message.Should()
            .Be($"TFTP transfer Completed: client {client.LocalEndPoint} file file.bin options none bytes 700 duration {ExtractDuration(running)} ms retransmissions 0 detail -");
        running.Server.ActiveTransfers.Should().Be(0);
        meters.Total("tftp.server.transfers").Should().Be(1);
        meters.Total("tftp.server.bytes_sent").Should().Be(700);
        meters.Total("tftp.server.active_transfers").Should().Be(0);
    }

    private static string ExtractDuration(RunningServer running)
    {
        string message = running.Logger.Entries.Single(e => e.EventId == 5002).Message;
        string[] words = message.Split(' ');
        return words[Array.IndexOf(words, "duration") + 1];
    }

    [Fact]
    public async Task TransferPort_PacketFromWrongTid_GetsError5AndTransferContinues()
    {
        await using var running = await RunningServer.StartAsync(Files());
        using var client = new RawTftpClient();
        using var intruder = new RawTftpClient();

        client.SendReadRequest(running.EndPoint, "file.bin");
        var (first, transferPort) = client.Receive();
        intruder.SendAck(transferPort, 1);
        var (reply, replyFrom) = intruder.Receive();

        reply.Should().Be(new TftpErrorPacket(TftpErrorCode.UnknownTransferId, "unknown transfer ID"));
        replyFrom.Should().Be(transferPort);
        client.ReceiveRest((TftpDataPacket)first, transferPort, 512).Should().Equal(TwoBlocks);
    }

    [Theory]
    [InlineData("/etc/passwd", TftpErrorCode.AccessViolation, "absolute path")]
    [InlineData("../file.bin", TftpErrorCode.AccessViolation, "'..' segment in file name")]
    [InlineData("dir\\file.bin", TftpErrorCode.AccessViolation, "backslash in file name")]
    [InlineData("missing.bin", TftpErrorCode.FileNotFound, "file not found")]
    [InlineData("FILE.BIN", TftpErrorCode.FileNotFound, "file not found")]
    public async Task ReadRequest_RefusedName_GetsErrorPacket(string name, TftpErrorCode code, string message)
    {
        await using var running = await RunningServer.StartAsync(Files());
        using var client = new RawTftpClient();

        client.SendReadRequest(running.EndPoint, name);

        client.Receive().Packet.Should().Be(new TftpErrorPacket(code, message));
    }

    [Fact]
    public async Task ReadRequest_CaseInsensitiveOption_MatchesUpperCaseName()
    {
        await using var running = await RunningServer.StartAsync(Files(), o => o.CaseInsensitiveNames = true);
        using var client = new RawTftpClient();

        client.SendReadRequest(running.EndPoint, "FILE.BIN");

        client.Receive().Packet.Should().BeOfType<TftpDataPacket>();
    }

    [Fact]
    public async Task ReadRequest_OverlongName_GetsAccessViolation()
    {
        await using var running = await RunningServer.StartAsync(Files(), o => o.MaxFileNameLength = 16);
        using var client = new RawTftpClient();

        client.SendReadRequest(running.EndPoint, new string('a', 17));

        client.Receive().Packet.Should().Be(new TftpErrorPacket(TftpErrorCode.AccessViolation, "file name longer than 16 characters"));
    }

    [Fact]
    public async Task WriteRequest_Any_Refused()
    {
        await using var running = await RunningServer.StartAsync(Files());
        using var client = new RawTftpClient();
        byte[] packet = new byte[100];

        client.Send(running.EndPoint, packet.AsSpan(0, TftpPacketCodec.WriteRequest(packet, TftpOpcode.WriteRequest, "file.bin", "octet")));

        var error = client.Receive().Packet.Should().BeOfType<TftpErrorPacket>().Subject;
        error.Code.Should().Be(TftpErrorCode.AccessViolation);
        error.Message.Should().Contain("read-only");
    }

    [Theory]
    [InlineData(new byte[] { 0, 1, (byte)'f', 0, (byte)'o' })]
    [InlineData(new byte[] { 0, 42, 1, 2, 3 })]
    [InlineData(new byte[] { 0, 4, 0, 1 })]
    [InlineData(new byte[] { 0, 3, 0, 1, 7 })]
    public async Task ListenPort_JunkPacket_NoAnswerAndNextRequestServed(byte[] packet)
    {
        await using var running = await RunningServer.StartAsync(Files());
        using var client = new RawTftpClient();

        client.Send(running.EndPoint, packet);
        client.SendReadRequest(running.EndPoint, "file.bin");

        // Loopback keeps order: an answer to the junk would arrive before block 1.
        client.Receive().Packet.Should().BeOfType<TftpDataPacket>().Which.Block.Should().Be(1);
    }

    [Fact]
    public async Task ListenPort_UnsupportedMode_GetsIllegalOperation()
    {
        await using var running = await RunningServer.StartAsync(Files());
        using var client = new RawTftpClient();

        client.Send(running.EndPoint, new byte[] { 0, 1, (byte)'f', 0, (byte)'m', (byte)'a', (byte)'i', (byte)'l', 0 });

        client.Receive().Packet.Should().BeOfType<TftpErrorPacket>().Which.Code.Should().Be(TftpErrorCode.IllegalOperation);
    }

    [Fact]
    public async Task ReadRequest_OverPerAddressBound_RefusedWhileOtherAddressesServed()
    {
        await using var running = await RunningServer.StartAsync(Files(), o => o.MaxTransfersPerAddress = 2);
        var greedy = Enumerable.Range(0, 3).Select(_ => new RawTftpClient(address: IPAddress.Parse("127.0.0.2"))).ToList();
        using var other = new RawTftpClient();
        try
        {
            greedy[0].SendReadRequest(running.EndPoint, "file.bin");
            greedy[0].Receive().Packet.Should().BeOfType<TftpDataPacket>();
            greedy[1].SendReadRequest(running.EndPoint, "file.bin");
            greedy[1].Receive().Packet.Should().BeOfType<TftpDataPacket>();

            greedy[2].SendReadRequest(running.EndPoint, "file.bin");
            other.SendReadRequest(running.EndPoint, "file.bin");

            greedy[2].Receive().Packet.Should().Be(new TftpErrorPacket(TftpErrorCode.NotDefined, "too many transfers from this address; try again later"));
            var (data, port) = other.Receive();
            other.ReceiveRest((TftpDataPacket)data, port, 512).Should().Equal(TwoBlocks);
        }
        finally
        {
            greedy.ForEach(g => g.Dispose());
        }
    }

    [Fact]
    public async Task ReadRequest_FirstPacketUnanswered_SentOnceThenSlotReclaimed()
    {
        await using var running = await RunningServer.StartAsync(Files(), o =>
        {
            o.Timeout = TimeSpan.FromMilliseconds(20);
            o.FirstAckTimeout = TimeSpan.FromMilliseconds(200);
        });
        using var client = new RawTftpClient();

        client.SendReadRequest(running.EndPoint, "file.bin", ("blksize", "65464"), ("timeout", "255"), ("windowsize", "64"));
        var (oack, _) = client.Receive();
        await WaitIdleAsync(running);

        oack.Should().BeOfType<TftpOptionAckPacket>().Which.Options.Should().NotContain(o => o.Key == "timeout", "a timeout above the bound is refused (RFC 2349)");
        client.ReceivesNothing(50).Should().BeTrue("nothing is sent again before the client has answered once");
        running.Logger.Entries.Should().ContainSingle(e => e.EventId == 5002).Which.Message.Should()
            .StartWith("TFTP transfer TimedOut").And.Contain("retransmissions 0");
    }

    [Fact]
    public async Task ReadRequest_OverConcurrencyBound_GetsBusyError()
    {
        await using var running = await RunningServer.StartAsync(Files(), o => o.MaxConcurrentTransfers = 1);
        using var first = new RawTftpClient();
        using var second = new RawTftpClient();

        first.SendReadRequest(running.EndPoint, "file.bin");
        var (data, port) = first.Receive();
        second.SendReadRequest(running.EndPoint, "file.bin");

        second.Receive().Packet.Should().Be(new TftpErrorPacket(TftpErrorCode.NotDefined, "too many transfers in progress; try again later"));
        first.ReceiveRest((TftpDataPacket)data, port, 512).Should().Equal(TwoBlocks);
    }

    [Fact]
    public async Task ReadRequest_RepeatedByClient_StartsOneTransfer()
    {
        await using var running = await RunningServer.StartAsync(Files());
        using var client = new RawTftpClient();
        using var probe = new RawTftpClient();

        client.SendReadRequest(running.EndPoint, "file.bin");
        client.SendReadRequest(running.EndPoint, "file.bin");
        client.Receive().Packet.Should().BeOfType<TftpDataPacket>();

        // Requests are handled in order: once the probe is answered, both copies were seen.
        byte[] writeRequest = new byte[100];
        probe.Send(running.EndPoint, writeRequest.AsSpan(0, TftpPacketCodec.WriteRequest(writeRequest, TftpOpcode.WriteRequest, "x", "octet")));
        probe.Receive();

        running.Server.ActiveTransfers.Should().Be(1);
    }

    [Fact]
    public async Task ReadRequest_WithOptions_OackThenWindowedData()
    {
        await using var running = await RunningServer.StartAsync(Files());
        using var client = new RawTftpClient();

        client.SendReadRequest(running.EndPoint, "file.bin", ("blksize", "100"), ("windowsize", "4"), ("tsize", "0"), ("bogus", "1"));
        var (oack, port) = client.Receive();
        client.SendAck(port, 0);
        var blocks = Enumerable.Range(0, 4).Select(_ => (TftpDataPacket)client.Receive().Packet).ToList();

        oack.Should().BeEquivalentTo(new TftpOptionAckPacket([new("blksize", "100"), new("windowsize", "4"), new("tsize", "700")]));
        blocks.Select(b => (int)b.Block).Should().Equal(1, 2, 3, 4);
        blocks.Should().OnlyContain(b => b.Payload.Length == 100);
    }

    [Theory]
    [InlineData(true, 1468, 16)]
    [InlineData(false, 1468, 16)]
    [InlineData(true, 1468, 64)]
    [InlineData(true, 8192, 16)]
    [InlineData(true, 65464, 4)]
    public async Task ReadRequest_Windowed_EveryBlockArrivesAsItsOwnDatagram(bool segmentationOffload, int blockSize, int windowSize)
    {
        // With segmentation offload a window leaves in one send; the client must still see one
        // datagram per block, each with its own header, in order, the last one short.
        byte[] content = new byte[(blockSize * windowSize * 3) + 77];
        new Random(blockSize + windowSize).NextBytes(content);
        var files = new TftpFileMap().AddBytes("big.bin", content);
        await using var running = await RunningServer.StartAsync(files, o =>
        {
            o.SegmentationOffload = segmentationOffload;
            o.Timeout = TimeSpan.FromSeconds(10); // A retransmitted window would break the count below on a loaded machine.
        });
        using var client = new RawTftpClient();

        client.SendReadRequest(running.EndPoint, "big.bin", ("blksize", $"{blockSize}"), ("windowsize", $"{windowSize}"));
        var (oack, port) = client.Receive();
        client.SendAck(port, 0);

        // The window may be negotiated down to fit MaxWindowBytes.
        int window = int.Parse(((TftpOptionAckPacket)oack).Options.Single(o => o.Key == "windowsize").Value, System.Globalization.CultureInfo.InvariantCulture);
        window.Should().BeInRange(1, windowSize);
        var received = new List<byte>();
        ushort expected = 1;
        while (true)
        {
            var data = (TftpDataPacket)client.Receive().Packet;
            data.Block.Should().Be(expected);
            received.AddRange(data.Payload.ToArray());
            if (data.Payload.Length < blockSize)
            {
                client.SendAck(port, data.Block);
                break;
            }

            if (expected % window == 0)
            {
                client.SendAck(port, data.Block);
            }

            expected++;
        }

        received.Should().Equal(content);
        await running.Server.WaitForIdleAsync(CancellationToken.None);
    }

    [Fact]
    public async Task ReadRequest_Netascii_ConvertsLineEnds()
    {
        await using var running = await RunningServer.StartAsync(Files());
        using var client = new RawTftpClient();
        byte[] packet = new byte[100];

        client.Send(running.EndPoint, packet.AsSpan(0, TftpPacketCodec.WriteRequest(packet, TftpOpcode.ReadRequest, "text.txt", "NETASCII")));

        ((TftpDataPacket)client.Receive().Packet).Payload.ToArray().Should().Equal("a\r\nb"u8.ToArray());
    }

    [Fact]
    public async Task Transfer_ClientGoesSilent_RetriesThenEndsTimedOut()
    {
        await using var running = await RunningServer.StartAsync(Files(), o =>
        {
            o.Timeout = TimeSpan.FromMilliseconds(20);
            o.MaxRetries = 2;
        });
        using var client = new RawTftpClient();

        client.SendReadRequest(running.EndPoint, "file.bin");
        var (first, port) = client.Receive();
        client.SendAck(port, 1);
        var blocks = Enumerable.Range(0, 3).Select(_ => ((TftpDataPacket)client.Receive().Packet).Block).ToList();
        await WaitIdleAsync(running);

        ((TftpDataPacket)first).Block.Should().Be(1);
        blocks.Should().Equal(2, 2, 2);
        running.Logger.Entries.Should().ContainSingle(e => e.EventId == 5002).Which.Message.Should()
            .StartWith("TFTP transfer TimedOut").And.Contain("retransmissions 2");
    }

    [Fact]
    public async Task StopAsync_TransferRunning_ClientToldAndServerStops()
    {
        var running = await RunningServer.StartAsync(Files());
        using var client = new RawTftpClient();
        client.SendReadRequest(running.EndPoint, "file.bin");
        client.Receive().Packet.Should().BeOfType<TftpDataPacket>();

        await running.Server.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        client.Receive().Packet.Should().Be(new TftpErrorPacket(TftpErrorCode.NotDefined, "server is shutting down"));
        running.Server.ActiveTransfers.Should().Be(0);
        await running.DisposeAsync();
    }

    [Fact]
    public async Task ReadRequest_GeneratedFile_GeneratorSeesClientAddress()
    {
        var files = new TftpFileMap().AddGenerated("whoami", (request, _) =>
            ValueTask.FromResult<ReadOnlyMemory<byte>?>(System.Text.Encoding.ASCII.GetBytes(request.Client.ToString())));
        await using var running = await RunningServer.StartAsync(files);
        using var client = new RawTftpClient();

        client.SendReadRequest(running.EndPoint, "whoami");

        System.Text.Encoding.ASCII.GetString(((TftpDataPacket)client.Receive().Packet).Payload.Span)
            .Should().Be(client.LocalEndPoint.ToString());
    }
}
