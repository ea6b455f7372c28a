using StbImageSharp;
using ZXing;
using ZXing.Common;
using ZXing.QrCode;

namespace RecoveryAssist.Web.Tests.Infrastructure;

/// <summary>Finds and decodes the QR code in a screenshot (PNG) with ZXing, as a scanner pointed at the screen would.</summary>
internal static class ScreenQr
{
    public static string Decode(byte[] png)
    {
        var image = ImageResult.FromMemory(png, ColorComponents.Grey);
        var source = new RGBLuminanceSource(image.Data, image.Width, image.Height, RGBLuminanceSource.BitmapFormat.Gray8);
        var hints = new Dictionary<DecodeHintType, object>
        {
            [DecodeHintType.TRY_HARDER] = true,
            [DecodeHintType.CHARACTER_SET] = "ISO-8859-1",
            [DecodeHintType.POSSIBLE_FORMATS] = new List<BarcodeFormat> { BarcodeFormat.QR_CODE },
        };
        var result = new QRCodeReader().decode(new BinaryBitmap(new HybridBinarizer(source)), hints);
        return result?.Text ?? throw new InvalidOperationException("ZXing found no QR code in the screenshot");
    }
}
