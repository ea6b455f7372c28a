namespace RecoveryAssist.Tftp.Protocol;

/// <summary>A decoded TFTP packet. Only the request and error paths use these objects; the
/// per-block hot path reads ACKs straight from the buffer.</summary>
internal abstract record TftpPacket(TftpOpcode Opcode);

/// <summary>RRQ or WRQ with its RFC 2347 options in the order the client sent them.</summary>
internal sealed record TftpRequestPacket(
    TftpOpcode Opcode,
    string FileName,
    string Mode,
    IReadOnlyList<KeyValuePair<string, string>> Options) : TftpPacket(Opcode);

internal sealed record TftpDataPacket(ushort Block, ReadOnlyMemory<byte> Payload) : TftpPacket(TftpOpcode.Data);

internal sealed record TftpAckPacket(ushort Block) : TftpPacket(TftpOpcode.Ack);

internal sealed record TftpErrorPacket(TftpErrorCode Code, string Message) : TftpPacket(TftpOpcode.Error);

internal sealed record TftpOptionAckPacket(IReadOnlyList<KeyValuePair<string, string>> Options) : TftpPacket(TftpOpcode.OptionAck);

/// <summary>Why a packet could not be decoded; the message goes to the log and, for
/// requests, into the ERROR packet.</summary>
internal sealed record TftpParseError(string Reason);
