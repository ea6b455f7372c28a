using System.Diagnostics;
using Microsoft.Playwright;
using StbImageSharp;
using ZXing;
using ZXing.Common;

namespace RecoveryAssist.Web.Tests.Infrastructure;

/// <summary>Finds and decodes the QR code on the screen with ZXing, as a scanner pointed at the screen would.</summary>
internal static class ScreenQr
{
    private static readonly TimeSpan ScanFor = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Reads the first screen (the viewport) frame after frame until a code decodes, as a handheld scanner
    /// does: a frame caught while the browser still paints the page it came from is not what a person sees.
    /// Returns the text and the frame it was read from; when no frame decodes, the last one is kept on disk.
    /// </summary>
    public static async Task<(string Text, byte[] Frame)> ScanAsync(IPage page)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var frame = await page.ScreenshotAsync(new() { FullPage = false });
            if (TryDecode(frame) is { } text)
                return (text, frame);
            if (clock.Elapsed > ScanFor)
            {
                var kept = Path.Combine(BrowserFixture.ScreenshotDirectory, $"no-qr-{DateTime.UtcNow:HHmmssfff}.png");
                await File.WriteAllBytesAsync(kept, frame);
                throw new InvalidOperationException($"ZXing found no QR code on the screen for {ScanFor.TotalSeconds} s (last frame kept as {kept})");
            }
            await Task.Delay(200);
        }
    }

    /// <summary>
    /// ZXing as a handheld scanner uses it: every orientation and both polarities. One fixed orientation alone
    /// misses some random keys on a sharp, whole screenshot that zbar reads at once.
    /// </summary>
    private static string? TryDecode(byte[] png)
    {
        var image = ImageResult.FromMemory(png, ColorComponents.Grey);
        var source = new RGBLuminanceSource(image.Data, image.Width, image.Height, RGBLuminanceSource.BitmapFormat.Gray8);
        var reader = new BarcodeReaderGeneric
        {
            AutoRotate = true,
            Options = new DecodingOptions { TryHarder = true, TryInverted = true, CharacterSet = "ISO-8859-1", PossibleFormats = [BarcodeFormat.QR_CODE] },
        };
        return reader.Decode(source)?.Text;
    }
}
