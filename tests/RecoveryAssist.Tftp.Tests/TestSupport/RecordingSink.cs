using RecoveryAssist.Tftp.Protocol;
using RecoveryAssist.Tftp.Transfer;

namespace RecoveryAssist.Tftp.Tests.TestSupport;

/// <summary>Collects the packets a transfer sends, decoded.</summary>
internal sealed class RecordingSink : ITftpPacketSink
{
    public List<TftpPacket> Packets { get; } = [];

    public void Send(ReadOnlySpan<byte> packet) =>
        Packets.Add(TftpPacketCodec.Decode(packet, out TftpParseError? error) ?? throw new InvalidOperationException(error!.Reason));

    /// <summary>Returns and forgets what was sent so far.</summary>
    public List<TftpPacket> Take()
    {
        var taken = Packets.ToList();
        Packets.Clear();
        return taken;
    }

    public List<ushort> TakeBlocks() => Take().Select(p => ((TftpDataPacket)p).Block).ToList();
}
