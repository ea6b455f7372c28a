namespace RecoveryAssist.Tftp.Transfer;

/// <summary>Where a transfer puts the packets it wants sent to its client. The UDP edge sends
/// them; unit tests record them.</summary>
internal interface ITftpPacketSink
{
    /// <summary>Sends one packet.</summary>
    void Send(ReadOnlySpan<byte> packet);

    /// <summary>Sends consecutive DATA packets of one window laid end to end, each
    /// <paramref name="packetSize"/> bytes long except the last, which may be shorter. The
    /// client must receive them as separate datagrams, in this order; the edge may hand them
    /// to the kernel in one call (UDP segmentation offload).</summary>
    void SendBatch(ReadOnlySpan<byte> packets, int packetSize);
}
