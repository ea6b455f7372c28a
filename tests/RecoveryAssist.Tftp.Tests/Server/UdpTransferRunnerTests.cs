using System.Net;
using System.Net.Sockets;
using RecoveryAssist.Tftp.Files;
using RecoveryAssist.Tftp.Protocol;
using RecoveryAssist.Tftp.Server;
using RecoveryAssist.Tftp.Transfer;

namespace RecoveryAssist.Tftp.Tests.Server;

public sealed class UdpTransferRunnerTests : IDisposable
{
    private readonly Socket _server = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly Socket _client = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);

    public UdpTransferRunnerTests()
    {
        _server.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _client.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _client.ReceiveTimeout = 5000;
    }

    public void Dispose()
    {
        _server.Dispose();
        _client.Dispose();
    }

    private UdpTransferRunner Runner(bool segmentationOffload) => new(
        _server,
        _client.LocalEndPoint!.Serialize(),
        sink => new ReadTransfer(TftpFile.FromBytes(new byte[10]), new NegotiatedOptions(512, 1, TimeSpan.FromSeconds(1), null), 1, TimeProvider.System, sink),
        () => false,
        _ => { },
        new BusyPoll(TimeSpan.Zero, maxTransfers: 1),
        segmentationOffload);

    /// <summary>Three DATA packets of 100, 100 and 37 bytes laid end to end.</summary>
    private static byte[] Batch()
    {
        var packets = new byte[237];
        for (int i = 0; i < 3; i++)
        {
            TftpPacketCodec.WriteDataHeader(packets.AsSpan(i * 100), (ushort)(i + 1));
            packets.AsSpan((i * 100) + TftpPacketCodec.HeaderSize, i < 2 ? 96 : 33).Fill((byte)(i + 1));
        }

        return packets;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SendBatch_ArrivesAsOneDatagramPerPacket(bool segmentationOffload)
    {
        var runner = Runner(segmentationOffload);
        byte[] batch = Batch();

        runner.SendBatch(batch, packetSize: 100);

        // Linux (the appliance's platform) takes the segmented send; elsewhere it must stay off.
        runner.IsSegmenting.Should().Be(segmentationOffload && OperatingSystem.IsLinux());
        byte[] buffer = new byte[1000];
        var lengths = new List<int>();
        for (int i = 0; i < 3; i++)
        {
            int length = _client.Receive(buffer);
            buffer.AsSpan(0, length).ToArray().Should().Equal(batch.AsSpan(i * 100, length).ToArray());
            lengths.Add(length);
        }

        lengths.Should().Equal(100, 100, 37);
    }
}
