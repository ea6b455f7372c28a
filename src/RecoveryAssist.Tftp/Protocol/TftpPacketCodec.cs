using System.Buffers.Binary;
using System.Text;

namespace RecoveryAssist.Tftp.Protocol;

/// <summary>Encodes and decodes TFTP packets. Pure: spans in, spans or records out.
/// Decoding is strict: every string must be NUL-terminated, option names and values come in
/// pairs, and anything not understood is reported with the reason.</summary>
internal static class TftpPacketCodec
{
    /// <summary>Largest payload RFC 2348 allows in one DATA packet.</summary>
    public const int MaxBlockSize = 65464;

    public const int HeaderSize = 4;

    /// <summary>More options than this in one request is abuse, not negotiation.</summary>
    public const int MaxRequestOptions = 32;

    /// <summary>Longest option name or value accepted in a request.</summary>
    public const int MaxOptionTextLength = 255;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static bool TryReadOpcode(ReadOnlySpan<byte> packet, out TftpOpcode opcode)
    {
        opcode = default;
        if (packet.Length < 2)
        {
            return false;
        }

        ushort value = BinaryPrimitives.ReadUInt16BigEndian(packet);
        if (value is < (ushort)TftpOpcode.ReadRequest or > (ushort)TftpOpcode.OptionAck)
        {
            return false;
        }

        opcode = (TftpOpcode)value;
        return true;
    }

    /// <summary>Fast path for the transfer loop: an ACK is an opcode and a block number.
    /// Trailing bytes are tolerated because some firmware pads short packets.</summary>
    public static bool TryReadAck(ReadOnlySpan<byte> packet, out ushort block)
    {
        block = 0;
        if (packet.Length < HeaderSize || BinaryPrimitives.ReadUInt16BigEndian(packet) != (ushort)TftpOpcode.Ack)
        {
            return false;
        }

        block = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        return true;
    }

    /// <summary>Decodes any packet; returns either a packet or the reason it is malformed.</summary>
    public static TftpPacket? Decode(ReadOnlySpan<byte> packet, out TftpParseError? error)
    {
        error = null;
        if (packet.Length < 2)
        {
            error = new TftpParseError("packet shorter than an opcode");
            return null;
        }

        if (!TryReadOpcode(packet, out TftpOpcode opcode))
        {
            error = new TftpParseError($"unknown opcode {BinaryPrimitives.ReadUInt16BigEndian(packet)}");
            return null;
        }

        ReadOnlySpan<byte> body = packet[2..];
        switch (opcode)
        {
            case TftpOpcode.ReadRequest:
            case TftpOpcode.WriteRequest:
                return DecodeRequest(opcode, body, out error);
            case TftpOpcode.Data:
                if (body.Length < 2)
                {
                    error = new TftpParseError("DATA without a block number");
                    return null;
                }

                if (body.Length - 2 > MaxBlockSize)
                {
                    error = new TftpParseError("DATA payload larger than 65464 bytes");
                    return null;
                }

                return new TftpDataPacket(BinaryPrimitives.ReadUInt16BigEndian(body), body[2..].ToArray());
            case TftpOpcode.Ack:
                if (body.Length < 2)
                {
                    error = new TftpParseError("ACK without a block number");
                    return null;
                }

                return new TftpAckPacket(BinaryPrimitives.ReadUInt16BigEndian(body));
            case TftpOpcode.Error:
                return DecodeError(body, out error);
            default:
                List<KeyValuePair<string, string>>? options = DecodeOptions(body, out error);
                return options is null ? null : new TftpOptionAckPacket(options);
        }
    }

    private static TftpRequestPacket? DecodeRequest(TftpOpcode opcode, ReadOnlySpan<byte> body, out TftpParseError? error)
    {
        if (!TryReadString(ref body, int.MaxValue, out string? fileName, out error, "file name"))
        {
            return null;
        }

        if (!TryReadString(ref body, MaxOptionTextLength, out string? mode, out error, "mode"))
        {
            return null;
        }

        List<KeyValuePair<string, string>>? options = DecodeOptions(body, out error);
        return options is null ? null : new TftpRequestPacket(opcode, fileName!, mode!, options);
    }

    private static List<KeyValuePair<string, string>>? DecodeOptions(ReadOnlySpan<byte> body, out TftpParseError? error)
    {
        error = null;
        var options = new List<KeyValuePair<string, string>>();

        // Some PXE ROMs pad the request with NUL bytes after the last option.
        while (body.ContainsAnyExcept((byte)0))
        {
            if (options.Count == MaxRequestOptions)
            {
                error = new TftpParseError($"more than {MaxRequestOptions} options");
                return null;
            }

            if (!TryReadString(ref body, MaxOptionTextLength, out string? name, out error, "option name"))
            {
                return null;
            }

            if (name!.Length == 0)
            {
                error = new TftpParseError("empty option name");
                return null;
            }

            if (body.IsEmpty)
            {
                error = new TftpParseError($"option '{name}' has no value");
                return null;
            }

            if (!TryReadString(ref body, MaxOptionTextLength, out string? value, out error, $"value of option '{name}'"))
            {
                return null;
            }

            options.Add(new KeyValuePair<string, string>(name, value!));
        }

        return options;
    }

    private static TftpErrorPacket? DecodeError(ReadOnlySpan<byte> body, out TftpParseError? error)
    {
        error = null;
        if (body.Length < 2)
        {
            error = new TftpParseError("ERROR without a code");
            return null;
        }

        var code = (TftpErrorCode)BinaryPrimitives.ReadUInt16BigEndian(body);
        body = body[2..];

        // Many clients omit the terminating NUL of the message; accept it, it is only text.
        int end = body.IndexOf((byte)0);
        ReadOnlySpan<byte> text = end < 0 ? body : body[..end];
        string message = Encoding.Latin1.GetString(text[..Math.Min(text.Length, MaxOptionTextLength)]);
        return new TftpErrorPacket(code, message);
    }

    private static bool TryReadString(ref ReadOnlySpan<byte> body, int maxLength, out string? value, out TftpParseError? error, string what)
    {
        value = null;
        error = null;
        int end = body.IndexOf((byte)0);
        if (end < 0)
        {
            error = new TftpParseError($"{what} is not NUL-terminated");
            return false;
        }

        if (end > maxLength)
        {
            error = new TftpParseError($"{what} is longer than {maxLength} bytes");
            return false;
        }

        try
        {
            value = StrictUtf8.GetString(body[..end]);
        }
        catch (DecoderFallbackException)
        {
            error = new TftpParseError($"{what} is not valid UTF-8");
            return false;
        }

        body = body[(end + 1)..];
        return true;
    }

    public static int WriteDataHeader(Span<byte> destination, ushort block)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)TftpOpcode.Data);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], block);
        return HeaderSize;
    }

    public static int WriteAck(Span<byte> destination, ushort block)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)TftpOpcode.Ack);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], block);
        return HeaderSize;
    }

    /// <summary>Writes an ERROR packet; the message is cut to fit and to stay printable ASCII.</summary>
    public static int WriteError(Span<byte> destination, TftpErrorCode code, string message)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)TftpOpcode.Error);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)code);
        int length = Math.Min(message.Length, Math.Min(MaxOptionTextLength, destination.Length - 5));
        for (int i = 0; i < length; i++)
        {
            char c = message[i];
            destination[4 + i] = c is >= ' ' and <= '~' ? (byte)c : (byte)'?';
        }

        destination[4 + length] = 0;
        return 5 + length;
    }

    public static int WriteOptionAck(Span<byte> destination, IReadOnlyList<KeyValuePair<string, string>> options)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)TftpOpcode.OptionAck);
        int position = 2;
        foreach ((string name, string value) in options)
        {
            position += WriteString(destination[position..], name);
            position += WriteString(destination[position..], value);
        }

        return position;
    }

    public static int WriteRequest(Span<byte> destination, TftpOpcode opcode, string fileName, string mode, IReadOnlyList<KeyValuePair<string, string>>? options = null)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)opcode);
        int position = 2;
        position += WriteString(destination[position..], fileName);
        position += WriteString(destination[position..], mode);
        foreach ((string name, string value) in options ?? [])
        {
            position += WriteString(destination[position..], name);
            position += WriteString(destination[position..], value);
        }

        return position;
    }

    private static int WriteString(Span<byte> destination, string text)
    {
        int written = Encoding.UTF8.GetBytes(text, destination);
        destination[written] = 0;
        return written + 1;
    }
}
