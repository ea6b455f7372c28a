using System.Globalization;
using System.Text;
using QRCoder;

namespace RecoveryAssist.Core.Qr;

/// <summary>
/// Renders a payload as a QR code for a screen, paper or terminal, with the same symbol in every format.
/// </summary>
/// <remarks>
/// Error correction M (15 %): a code shown on a screen is not scratched or folded, and a lower
/// level keeps the symbol small (QRCoder puts the digits and dashes in an alphanumeric segment, so
/// the single recovery payload fits version 6, 41×41 modules), and big modules scan from a laptop or
/// tablet at arm's length. The text is ASCII, encoded without an ECI header: a keyboard-wedge scanner
/// then types the characters as they are.
/// The quiet zone (4 modules) is always drawn; scanners need it.
/// </remarks>
public static class QrImage
{
    public const QRCodeGenerator.ECCLevel ErrorCorrection = QRCodeGenerator.ECCLevel.M;

    /// <summary>Default pixels per module of a PNG: 10 px gives a 490 px code (quiet zone included) for the single payload.</summary>
    public const int DefaultPixelsPerModule = 10;

    public const int MinPixelsPerModule = 2;

    public const int MaxPixelsPerModule = 40;

    public static byte[] Png(QrPayload payload, int pixelsPerModule = DefaultPixelsPerModule)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pixelsPerModule, MinPixelsPerModule);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pixelsPerModule, MaxPixelsPerModule);
        using var data = Encode(payload);
        using var png = new PngByteQRCode(data);
        return png.GetGraphic(pixelsPerModule, drawQuietZones: true);
    }

    /// <summary>An SVG sized by its viewBox, so that a page scales it with CSS (crisp at any size).</summary>
    public static string Svg(QrPayload payload)
    {
        using var data = Encode(payload);
        using var svg = new SvgQRCode(data);
        return svg.GetGraphic(1, "#000000", "#ffffff", drawQuietZones: true, SvgQRCode.SizingMode.ViewBoxAttribute);
    }

    /// <summary>The module matrix, quiet zone included: true is a dark module.</summary>
    public static bool[,] Modules(QrPayload payload)
    {
        using var data = Encode(payload);
        var rows = data.ModuleMatrix;
        var size = rows.Count;
        var modules = new bool[size, size];
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
                modules[y, x] = rows[y][x];
        }
        return modules;
    }

    /// <summary>
    /// The code as Unicode half blocks, two module rows per text line. By default a block is drawn for
    /// a light module, for terminals with light text on a dark background (as <c>qrencode -t UTF8</c>
    /// does); <paramref name="darkOnLight"/> draws blocks for dark modules instead, for light terminals.
    /// </summary>
    public static string HalfBlocks(QrPayload payload, bool darkOnLight = false)
    {
        var modules = Modules(payload);
        var size = modules.GetLength(0);
        // A cell is "lit" (drawn as a block) when its module is dark on a light terminal, light on a dark one;
        // the row below the last one (the size is odd) counts as quiet zone, i.e. light.
        bool Lit(int y, int x) => (y < size && modules[y, x]) == darkOnLight;
        var text = new StringBuilder((size + 1) * (size / 2 + 1));
        for (var y = 0; y < size; y += 2)
        {
            for (var x = 0; x < size; x++)
            {
                text.Append((Lit(y, x), Lit(y + 1, x)) switch
                {
                    (true, true) => '\u2588',
                    (true, false) => '\u2580',
                    (false, true) => '\u2584',
                    _ => ' ',
                });
            }
            text.Append('\n');
        }
        return text.ToString();
    }

    /// <summary>The symbol's version (1-40), for documentation and tests.</summary>
    public static int Version(QrPayload payload)
    {
        using var data = Encode(payload);
        return data.Version;
    }

    private static QRCodeData Encode(QrPayload payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        var text = payload.Text;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var enterAtEnd = i == text.Length - 1 && c is '\n' or '\r';
            if ((c is < ' ' or > '~') && !enterAtEnd)
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The payload holds a character the boot loader's editor cannot take at position {i + 1}."), nameof(payload));
        }
        using var generator = new QRCodeGenerator();
        return generator.CreateQrCode(text, ErrorCorrection, forceUtf8: false, utf8BOM: false, QRCodeGenerator.EciMode.Default);
    }
}
