using RecoveryAssist.Tftp.Protocol;
using RecoveryAssist.Tftp.Transfer;

namespace RecoveryAssist.Tftp.Tests.TestSupport;

/// <summary>Collects the packets a transfer sends, decoded.</summary>
internal sealed class RecordingSink : ITftpPacketSink
{
    public List<TftpPacket> Packets { get; } = [];

    /// <summary>How many packets each call to the sink carried, in order.</summary>
    public List<int> CallSizes { get; } = [];

    public void Send(ReadOnlySpan<byte> packet)
    {
        CallSizes.Add(1);
        Record(packet);
    }

    public void SendBatch(ReadOnlySpan<byte> packets, int packetSize)
    {
        int count = 0;
        for (int start = 0; start < packets.Length; start += packetSize)
        {
            Record(packets[start..Math.Min(start + packetSize, packets.Length)]);
            count++;
        }

        CallSizes.Add(count);
    }

    private void Record(ReadOnlySpan<byte> packet) =>
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
