using System.Net;
using System.Security.Cryptography;
using System.Text;
using RecoveryAssist.Tftp.Files;
using RecoveryAssist.Tftp.Protocol;
using RecoveryAssist.Tftp.Tests.TestSupport;

namespace RecoveryAssist.Tftp.Tests.Fuzz;

/// <summary>Throws thousands of random, truncated and malformed packets at the listen port and
/// at live transfer ports, then checks that a good client still gets a correct file, that no
/// transfer is left open and that memory stays bounded. The seed is fixed so a failure
/// replays. It runs alone: memory is measured for the whole process.</summary>
[Collection(FuzzCollection.Name)]
public sealed class TftpServerFuzzTests
{
    private const int PacketsPerPhase = 6000;
    private static readonly string[] Names = ["good.bin", "small.bin", "missing", "../x", "/abs", "a\\b", ""];
    private static readonly string[] OptionNames = ["blksize", "tsize", "timeout", "windowsize", "BLKSIZE", "multicast", "x"];
    private static readonly string[] OptionValues = ["0", "1", "7", "8", "512", "65464", "65465", "999999999999", "-1", "abc", "", "0x10", "4294967296"];

    private readonly Random _random = new(1350);

    [Fact]
    public async Task Server_FloodedWithMalformedPackets_StillServesAndLeavesNothingOpen()
    {
        byte[] good = new byte[300_000];
        new Random(7).NextBytes(good);
        var files = new TftpFileMap().AddBytes("good.bin", good).AddBytes("small.bin", new byte[1000]);
        await using var running = await RunningServer.StartAsync(files, o =>
        {
            o.Timeout = TimeSpan.FromMilliseconds(50);
            o.MaxRetries = 2;
            o.MaxConcurrentTransfers = 64;
            // Every peer here is 127.0.0.1: the per-address bound has tests of its own (TftpServerTests, RealClientTests).
            o.MaxTransfersPerAddress = 64;
        });
        var senders = Enumerable.Range(0, 8).Select(_ => new RawTftpClient(receiveTimeoutMs: 2000)).ToList();
        try
        {
            long memoryBefore = GC.GetTotalMemory(forceFullCollection: true);

            // Phase 1: the listen port.
            for (int i = 0; i < PacketsPerPhase; i++)
            {
                senders[i % senders.Count].Send(running.EndPoint, NextPacket());
            }

            // Phase 2: live transfer ports, from their own client and from strangers.
            var owners = Enumerable.Range(0, 4).Select(_ => new RawTftpClient(receiveTimeoutMs: 500)).ToList();
            var transferPorts = new List<IPEndPoint>();
            running.Logger.Entries.Should().NotContain(e => e.EventId == 5006);
            foreach (RawTftpClient owner in owners)
            {
                transferPorts.Add(Request(owner, running.EndPoint, ("blksize", "1024"), ("windowsize", "4")).From);
            }

            for (int i = 0; i < PacketsPerPhase; i++)
            {
                int target = i % transferPorts.Count;
                RawTftpClient from = i % 2 == 0 ? owners[target] : senders[i % senders.Count];
                from.Send(transferPorts[target], NextPacket());
            }

            // A good client still gets a correct file.
            using var client = new RawTftpClient(receiveTimeoutMs: 500);
            var (oack, port) = Request(client, running.EndPoint, ("blksize", "1468"));
            oack.Should().BeOfType<TftpOptionAckPacket>();
            client.SendAck(port, 0);
            var first = (TftpDataPacket)client.Receive().Packet;
            SHA256.HashData(client.ReceiveRest(first, port, 1468)).Should().Equal(SHA256.HashData(good));

            // Abandoned transfers time out and close: a flood request for good.bin that was answered once may have
            // negotiated timeout=5 (the server's bound), so the last one can take 3 x 5 s.
            await running.Server.WaitForIdleAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(45));
            running.Server.ActiveTransfers.Should().Be(0);
            owners.ForEach(o => o.Dispose());

            long memoryAfter = GC.GetTotalMemory(forceFullCollection: true);
            (memoryAfter - memoryBefore).Should().BeLessThan(32 * 1024 * 1024);
            running.Logger.Entries.Should().NotContain(e => e.EventId == 5005, "no transfer may fail with an exception");
        }
        finally
        {
            senders.ForEach(s => s.Dispose());
        }
    }

    /// <summary>Requests good.bin the way real clients do: the request is sent again when no
    /// answer comes, since the flood may have filled the listen socket's queue.</summary>
    private static (TftpPacket Packet, IPEndPoint From) Request(RawTftpClient client, IPEndPoint server, params (string, string)[] options)
    {
        for (int attempt = 0; ; attempt++)
        {
            client.SendReadRequest(server, "good.bin", options);
            try
            {
                return client.Receive();
            }
            catch (System.Net.Sockets.SocketException) when (attempt < 10)
            {
            }
        }
    }

    private byte[] NextPacket()
    {
        switch (_random.Next(9))
        {
            case 0:
                return RandomBytes(_random.Next(0, 600));
            case 1:
                return Truncate(Request(TftpOpcode.ReadRequest, optionCount: _random.Next(0, 5)));
            case 2:
                return Request(TftpOpcode.ReadRequest, optionCount: _random.Next(30, 200));
            case 3:
                return Request(TftpOpcode.ReadRequest, optionCount: _random.Next(0, 5));
            case 4:
                return Request(TftpOpcode.WriteRequest, optionCount: 1);
            case 5:
                // Bad opcodes with plausible bodies.
                byte[] bad = Request(TftpOpcode.ReadRequest, 1);
                bad[0] = (byte)_random.Next(256);
                bad[1] = (byte)_random.Next(7, 256);
                return bad;
            case 6:
                // ACKs with random block numbers, and packets of the other opcodes.
                byte[] packet = RandomBytes(_random.Next(2, 40));
                packet[0] = 0;
                packet[1] = (byte)_random.Next(3, 7);
                return packet;
            case 7:
                // Strings without their NULs.
                return Encoding.ASCII.GetBytes("\0\u0001good.bin").Concat(RandomBytes(_random.Next(0, 20)).Select(b => b == 0 ? (byte)1 : b)).ToArray();
            default:
                return Truncate(RandomBytes(_random.Next(0, 65508)));
        }
    }

    private byte[] Request(TftpOpcode opcode, int optionCount)
    {
        var text = new StringBuilder();
        text.Append(Names[_random.Next(Names.Length)]).Append('\0');
        text.Append(_random.Next(5) == 0 ? "mail" : "octet").Append('\0');
        for (int i = 0; i < optionCount; i++)
        {
            text.Append(OptionNames[_random.Next(OptionNames.Length)]).Append('\0');
            text.Append(OptionValues[_random.Next(OptionValues.Length)]).Append('\0');
        }

        byte[] body = Encoding.ASCII.GetBytes(text.ToString());
        byte[] packet = new byte[body.Length + 2];
        packet[1] = (byte)opcode;
        body.CopyTo(packet, 2);
        return packet;
    }

    private byte[] Truncate(byte[] packet) => packet[..Math.Min(packet.Length, _random.Next(0, Math.Max(packet.Length, 1) + 1))];

    private byte[] RandomBytes(int length)
    {
        byte[] bytes = new byte[length];
        _random.NextBytes(bytes);
        return bytes;
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FuzzCollection
{
    public const string Name = "TFTP fuzz (alone)";
}
