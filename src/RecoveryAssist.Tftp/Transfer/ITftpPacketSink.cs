namespace RecoveryAssist.Tftp.Transfer;

/// <summary>Where a transfer puts the packets it wants sent to its client. The UDP edge sends
/// them; unit tests record them.</summary>
internal interface ITftpPacketSink
{
    void Send(ReadOnlySpan<byte> packet);
}
