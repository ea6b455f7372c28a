using System.Text;
using RecoveryAssist.Tftp.Protocol;

namespace RecoveryAssist.Tftp.Tests.Protocol;

public sealed class TftpPacketCodecTests
{
    private static byte[] Bytes(params object[] parts)
    {
        var bytes = new List<byte>();
        foreach (object part in parts)
        {
            switch (part)
            {
                case ushort u:
                    bytes.Add((byte)(u >> 8));
                    bytes.Add((byte)u);
                    break;
                case string s:
                    bytes.AddRange(Encoding.UTF8.GetBytes(s));
                    break;
                case byte[] b:
                    bytes.AddRange(b);
                    break;
                default:
                    throw new ArgumentException("unsupported part");
            }
        }

        return [.. bytes];
    }

    [Fact]
    public void Decode_ReadRequestWithOptions_ReturnsNameModeAndOptionsInOrder()
    {
        byte[] packet = Bytes((ushort)1, "pxe/undionly.kpxe\0octet\0blksize\01468\0tsize\00\0");

        var request = TftpPacketCodec.Decode(packet, out var error) as TftpRequestPacket;

        error.Should().BeNull();
        request.Should().NotBeNull();
        request!.Opcode.Should().Be(TftpOpcode.ReadRequest);
        request.FileName.Should().Be("pxe/undionly.kpxe");
        request.Mode.Should().Be("octet");
        request.Options.Should().Equal(
            new KeyValuePair<string, string>("blksize", "1468"),
            new KeyValuePair<string, string>("tsize", "0"));
    }

    [Fact]
    public void Decode_ReadRequestPaddedWithNuls_IgnoresPadding()
    {
        byte[] packet = Bytes((ushort)1, "a\0octet\0tsize\00\0\0\0\0");

        var request = TftpPacketCodec.Decode(packet, out _) as TftpRequestPacket;

        request!.Options.Should().ContainSingle();
    }

    [Theory]
    [InlineData(new byte[] { }, "packet shorter than an opcode")]
    [InlineData(new byte[] { 0 }, "packet shorter than an opcode")]
    [InlineData(new byte[] { 0, 9 }, "unknown opcode 9")]
    [InlineData(new byte[] { 0, 0 }, "unknown opcode 0")]
    [InlineData(new byte[] { 0, 1, (byte)'a' }, "file name is not NUL-terminated")]
    [InlineData(new byte[] { 0, 1, (byte)'a', 0, (byte)'o' }, "mode is not NUL-terminated")]
    [InlineData(new byte[] { 0, 1, (byte)'a', 0, (byte)'o', 0, (byte)'x', 0 }, "option 'x' has no value")]
    [InlineData(new byte[] { 0, 1, (byte)'a', 0, (byte)'o', 0, (byte)'x', 0, (byte)'1' }, "value of option 'x' is not NUL-terminated")]
    [InlineData(new byte[] { 0, 1, (byte)'a', 0, (byte)'o', 0, 0, (byte)'1', 0 }, "empty option name")]
    [InlineData(new byte[] { 0, 1, 0xff, 0xfe, 0, (byte)'o', 0 }, "file name is not valid UTF-8")]
    [InlineData(new byte[] { 0, 3, 1 }, "DATA without a block number")]
    [InlineData(new byte[] { 0, 4 }, "ACK without a block number")]
    [InlineData(new byte[] { 0, 5, 0 }, "ERROR without a code")]
    public void Decode_MalformedPacket_ReportsReason(byte[] packet, string reason)
    {
        TftpPacket? decoded = TftpPacketCodec.Decode(packet, out TftpParseError? error);

        decoded.Should().BeNull();
        error!.Reason.Should().Be(reason);
    }

    [Fact]
    public void Decode_TooManyOptions_IsRefused()
    {
        var text = new StringBuilder("a\0octet\0");
        for (int i = 0; i < TftpPacketCodec.MaxRequestOptions + 1; i++)
        {
            text.Append("o").Append(i).Append("\01\0");
        }

        TftpPacketCodec.Decode(Bytes((ushort)1, text.ToString()), out var error).Should().BeNull();
        error!.Reason.Should().Contain("more than 32 options");
    }

    [Fact]
    public void Decode_OverlongOptionValue_IsRefused()
    {
        byte[] packet = Bytes((ushort)1, "a\0octet\0blksize\0" + new string('9', 300) + "\0");

        TftpPacketCodec.Decode(packet, out var error).Should().BeNull();
        error!.Reason.Should().Contain("longer than 255");
    }

    [Fact]
    public void Decode_ErrorWithoutTerminator_KeepsMessage()
    {
        var decoded = TftpPacketCodec.Decode(Bytes((ushort)5, (ushort)8, "no thanks"), out _) as TftpErrorPacket;

        decoded.Should().Be(new TftpErrorPacket(TftpErrorCode.OptionNegotiationFailed, "no thanks"));
    }

    [Fact]
    public void Decode_DataPacket_ReturnsBlockAndPayload()
    {
        var decoded = TftpPacketCodec.Decode(Bytes((ushort)3, (ushort)65535, "xyz"), out _) as TftpDataPacket;

        decoded!.Block.Should().Be(65535);
        decoded.Payload.ToArray().Should().Equal((byte)'x', (byte)'y', (byte)'z');
    }

    [Theory]
    [InlineData(new byte[] { 0, 4, 0, 7 }, true, 7)]
    [InlineData(new byte[] { 0, 4, 0xff, 0xff, 0, 0 }, true, 65535)]
    [InlineData(new byte[] { 0, 4, 0 }, false, 0)]
    [InlineData(new byte[] { 0, 3, 0, 1 }, false, 0)]
    public void TryReadAck_Packets_ReadsBlockOnlyFromAcks(byte[] packet, bool expected, int block)
    {
        TftpPacketCodec.TryReadAck(packet, out ushort read).Should().Be(expected);
        read.Should().Be((ushort)block);
    }

    [Fact]
    public void WriteError_NonPrintableAndLongMessage_IsSanitisedAndCut()
    {
        byte[] buffer = new byte[600];
        int length = TftpPacketCodec.WriteError(buffer, TftpErrorCode.AccessViolation, "bad\nname" + new string('x', 400));

        length.Should().Be(4 + 255 + 1);
        var decoded = (TftpErrorPacket)TftpPacketCodec.Decode(buffer.AsSpan(0, length), out _)!;
        decoded.Code.Should().Be(TftpErrorCode.AccessViolation);
        decoded.Message.Should().StartWith("bad?name").And.HaveLength(255);
    }

    [Fact]
    public void WriteOptionAck_Options_RoundTrips()
    {
        byte[] buffer = new byte[100];
        var options = new List<KeyValuePair<string, string>> { new("blksize", "1468"), new("windowsize", "16") };

        int length = TftpPacketCodec.WriteOptionAck(buffer, options);

        buffer.AsSpan(0, length).ToArray().Should().Equal(Bytes((ushort)6, "blksize\01468\0windowsize\016\0"));
        ((TftpOptionAckPacket)TftpPacketCodec.Decode(buffer.AsSpan(0, length), out _)!).Options.Should().Equal(options);
    }

    [Fact]
    public void WriteRequest_ThenDecode_RoundTrips()
    {
        byte[] buffer = new byte[100];
        int length = TftpPacketCodec.WriteRequest(buffer, TftpOpcode.WriteRequest, "x", "octet", [new("tsize", "5")]);

        var decoded = (TftpRequestPacket)TftpPacketCodec.Decode(buffer.AsSpan(0, length), out _)!;

        decoded.Opcode.Should().Be(TftpOpcode.WriteRequest);
        decoded.Options.Should().ContainSingle().Which.Should().Be(new KeyValuePair<string, string>("tsize", "5"));
    }
}
