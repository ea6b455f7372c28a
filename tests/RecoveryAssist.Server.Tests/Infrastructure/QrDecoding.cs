using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using StbImageSharp;
using ZXing;
using ZXing.Common;
using ZXing.QrCode;

namespace RecoveryAssist.Server.Tests.Infrastructure;

/// <summary>
/// Decodes QR codes with an independent decoder (ZXing.Net): PNGs read by StbImageSharp, SVGs
/// rasterised here from QRCoder's rectangles and path. Returns the exact decoded characters.
/// </summary>
internal static partial class QrDecoding
{
    public static string DecodePng(byte[] png)
    {
        var image = ImageResult.FromMemory(png, ColorComponents.Grey);
        return Decode(image.Data, image.Width, image.Height);
    }

    /// <summary>Rasterises an SVG drawn as QRCoder draws it (a background rect, then dark rects or a path of unit-height runs).</summary>
    public static string DecodeSvg(string svg, int pixelsPerModule = 6)
    {
        var viewBox = ViewBox().Match(svg);
        var size = viewBox.Success
            ? int.Parse(viewBox.Groups[1].Value, CultureInfo.InvariantCulture)
            : throw new System.FormatException("the SVG has no square viewBox");
        var dark = new bool[size, size];
        var found = 0;
        foreach (Match path in DarkPath().Matches(svg))
        {
            foreach (Match run in Run().Matches(path.Groups[1].Value))
            {
                int x = Int(run, 1), y = Int(run, 2), w = Int(run, 3), h = Int(run, 4);
                Fill(dark, x, y, w, h);
                found++;
            }
        }
        foreach (Match rect in DarkRect().Matches(svg))
        {
            Fill(dark, Int(rect, 1), Int(rect, 2), Int(rect, 3), Int(rect, 4));
            found++;
        }
        if (found == 0)
            throw new System.FormatException("no dark modules found in the SVG");
        var width = size * pixelsPerModule;
        var gray = new byte[width * width];
        for (var py = 0; py < width; py++)
        {
            for (var px = 0; px < width; px++)
                gray[py * width + px] = dark[py / pixelsPerModule, px / pixelsPerModule] ? (byte)0 : (byte)255;
        }
        return Decode(gray, width, width);
    }

    private static string Decode(byte[] gray, int width, int height)
    {
        var source = new RGBLuminanceSource(gray, width, height, RGBLuminanceSource.BitmapFormat.Gray8);
        var hints = new Dictionary<DecodeHintType, object>
        {
            [DecodeHintType.TRY_HARDER] = true,
            [DecodeHintType.CHARACTER_SET] = "ISO-8859-1",
        };
        // ZXing's finder-pattern search misses a few clean symbols in one orientation (about 1 in 200
        // random keys; zbarimg reads them, and so does ZXing once the image is turned). The images here
        // are pure symbols, so the pure-barcode path is a fair second try; the text must still match exactly.
        var result = new QRCodeReader().decode(new BinaryBitmap(new HybridBinarizer(source)), hints);
        if (result is null)
        {
            hints[DecodeHintType.PURE_BARCODE] = true;
            result = new QRCodeReader().decode(new BinaryBitmap(new HybridBinarizer(source)), hints);
        }
        return result?.Text ?? throw new InvalidOperationException("ZXing found no QR code in the image");
    }

    /// <summary>The decoded text's bytes, to compare byte for byte with the intended ASCII payload.</summary>
    public static byte[] Bytes(string decoded) => Encoding.Latin1.GetBytes(decoded);

    private static void Fill(bool[,] dark, int x, int y, int w, int h)
    {
        for (var yy = y; yy < y + h; yy++)
        {
            for (var xx = x; xx < x + w; xx++)
                dark[yy, xx] = true;
        }
    }

    private static int Int(Match m, int group) => int.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex("viewBox=\"0 0 (\\d+) \\1\"")]
    private static partial Regex ViewBox();

    [GeneratedRegex("<path fill=\"#000000\" d=\"([^\"]*)\"")]
    private static partial Regex DarkPath();

    [GeneratedRegex("M(\\d+) (\\d+)h(\\d+)v(\\d+)h-\\d+z")]
    private static partial Regex Run();

    [GeneratedRegex("<rect x=\"(\\d+)\" y=\"(\\d+)\" width=\"(\\d+)\" height=\"(\\d+)\" fill=\"#000000\"")]
    private static partial Regex DarkRect();
}
