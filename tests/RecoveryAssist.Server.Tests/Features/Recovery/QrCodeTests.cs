using System.Text;
using RecoveryAssist.Core.Keys;
using RecoveryAssist.Core.Qr;
using RecoveryAssist.Server.Tests.Infrastructure;

namespace RecoveryAssist.Server.Tests.Features.Recovery;

/// <summary>Every code is read back by ZXing.Net and compared byte for byte with the text the scanner must type.</summary>
public sealed class QrCodeTests
{
    private static readonly RecoveryKey Key = RecoveryKey.Parse(
        "478269-039194-473926-430939-686855-231401-642208-184477-602511-225586-551660-586542-338394-092578-687140-267425");

    private const string Expected = " encryptionRecoveryKey=478269-039194-473926-430939-686855-231401-642208-184477-602511-225586-551660-586542-338394-092578-687140-267425";

    public static TheoryData<bool, QrEnter> Variants => new()
    {
        { true, QrEnter.None },
        { true, QrEnter.CarriageReturn },
        { true, QrEnter.LineFeed },
        { false, QrEnter.None },
    };

    [Fact]
    public void Single_Defaults_IsExactlyTheTextToType()
    {
        QrPayload.Single(Key).Text.Should().Be(Expected);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Split_AnyOptions_ConcatenatesToTheSinglePayload(bool leadingSpace, QrEnter enter)
    {
        var options = new QrPayloadOptions(leadingSpace, enter);

        var parts = QrPayload.Split(Key, options);

        parts.Should().HaveCount(2);
        (parts[0].Text + parts[1].Text).Should().Be(QrPayload.Single(Key, options).Text);
        parts[0].Text.Should().EndWith("-184477-", "the first code ends with group 8 and the dash before group 9");
        parts[1].Text.Should().StartWith("602511-");
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Png_SingleCode_DecodesToExactPayload(bool leadingSpace, QrEnter enter)
    {
        var payload = QrPayload.Single(Key, new QrPayloadOptions(leadingSpace, enter));

        var decoded = QrDecoding.DecodePng(QrImage.Png(payload));

        QrDecoding.Bytes(decoded).Should().Equal(Encoding.ASCII.GetBytes(payload.Text));
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Svg_SingleCode_DecodesToExactPayload(bool leadingSpace, QrEnter enter)
    {
        var payload = QrPayload.Single(Key, new QrPayloadOptions(leadingSpace, enter));

        var decoded = QrDecoding.DecodeSvg(QrImage.Svg(payload));

        QrDecoding.Bytes(decoded).Should().Equal(Encoding.ASCII.GetBytes(payload.Text));
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Png_TwoCodes_DecodeInOrderToTheWholeOption(bool leadingSpace, QrEnter enter)
    {
        var options = new QrPayloadOptions(leadingSpace, enter);

        var decoded = QrPayload.Split(Key, options).Select(p => QrDecoding.DecodePng(QrImage.Png(p)));

        QrDecoding.Bytes(string.Concat(decoded)).Should().Equal(Encoding.ASCII.GetBytes(QrPayload.Single(Key, options).Text));
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Svg_TwoCodes_DecodeInOrderToTheWholeOption(bool leadingSpace, QrEnter enter)
    {
        var options = new QrPayloadOptions(leadingSpace, enter);

        var decoded = QrPayload.Split(Key, options).Select(p => QrDecoding.DecodeSvg(QrImage.Svg(p)));

        QrDecoding.Bytes(string.Concat(decoded)).Should().Equal(Encoding.ASCII.GetBytes(QrPayload.Single(Key, options).Text));
    }

    [Fact]
    public void Png_RandomKeys_AllDecodeExactly()
    {
        for (var i = 0; i < 20; i++)
        {
            var payload = QrPayload.Single(RecoveryKey.Generate());
            QrDecoding.DecodePng(QrImage.Png(payload, 4)).Should().Be(payload.Text);
        }
    }

    [Fact]
    public void Version_SinglePayload_SmallEnoughForAScreen()
    {
        QrImage.Version(QrPayload.Single(Key, new QrPayloadOptions(true, QrEnter.CarriageReturn))).Should().BeLessThanOrEqualTo(8);
        QrImage.Version(QrPayload.Split(Key)[0]).Should().BeLessThanOrEqualTo(5);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void HalfBlocks_Rendered_ReproducesTheModuleMatrix(bool darkOnLight)
    {
        var payload = QrPayload.Single(Key);
        var modules = QrImage.Modules(payload);
        var size = modules.GetLength(0);

        var lines = QrImage.HalfBlocks(payload, darkOnLight).TrimEnd('\n').Split('\n');

        lines.Should().HaveCount((size + 1) / 2);
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                var c = lines[y / 2][x];
                var lit = y % 2 == 0 ? c is '\u2588' or '\u2580' : c is '\u2588' or '\u2584';
                (lit == darkOnLight).Should().Be(modules[y, x], $"module ({x},{y})");
            }
        }
    }

    [Fact]
    public void ToString_Payload_IsRedacted()
    {
        var payload = QrPayload.Single(Key);

        payload.ToString().Should().NotContain("478269").And.Contain(RecoveryKey.Redacted);
    }
}
