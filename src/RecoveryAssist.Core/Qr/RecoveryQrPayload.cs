using RecoveryAssist.Core.Boot;
using RecoveryAssist.Core.Keys;

namespace RecoveryAssist.Core.Qr;

/// <summary>What a keyboard-wedge scanner sends after typing the payload.</summary>
public enum QrEnter
{
    /// <summary>Nothing: the operator looks at the line, then presses Enter (the default).</summary>
    None,

    /// <summary>A line feed ("\n").</summary>
    LineFeed,

    /// <summary>A carriage return ("\r"), which most scanners send as their Enter key.</summary>
    CarriageReturn,
}

/// <summary>How the payload is built.</summary>
/// <param name="LeadingSpace">
/// Start with one space (the default): at the Shift+O prompt the cursor sits right after the
/// existing options, and the key option must be separated from them.
/// </param>
/// <param name="Enter">What ends the last code.</param>
public sealed record QrPayloadOptions(bool LeadingSpace = true, QrEnter Enter = QrEnter.None)
{
    public static QrPayloadOptions Default { get; } = new();
}

/// <summary>
/// The text a QR code carries: exactly what a keyboard-wedge scanner must type at the ESXi boot
/// loader's Shift+O prompt.
/// </summary>
/// <remarks>
/// Holds key material: <see cref="ToString"/> is redacted. The text is printable ASCII (the
/// prompt's editor takes nothing else), except for an optional Enter at the very end.
/// </remarks>
public sealed class QrPayload
{
    private QrPayload(string text, int part, int parts)
    {
        Text = text;
        Part = part;
        Parts = parts;
    }

    /// <summary>The exact characters the scanner types, in order.</summary>
    public string Text { get; }

    /// <summary>1-based number of this code among <see cref="Parts"/>.</summary>
    public int Part { get; }

    public int Parts { get; }

    /// <summary>One code: <c>" encryptionRecoveryKey=g1-g2-...-g16"</c>, then the Enter if asked for.</summary>
    public static QrPayload Single(RecoveryKey key, QrPayloadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        options ??= QrPayloadOptions.Default;
        return new QrPayload(Prefix(options) + key.Reveal() + Suffix(options), 1, 1);
    }

    /// <summary>
    /// Two codes for scanners with a short buffer. The first types
    /// <c>" encryptionRecoveryKey=g1-...-g8-"</c>, ending with the dash that joins group 8 to group 9;
    /// the second types <c>"g9-...-g16"</c> and then the Enter, if asked for. Scanned in order, the two
    /// type exactly what <see cref="Single"/> types: their concatenation is the single payload.
    /// </summary>
    public static IReadOnlyList<QrPayload> Split(RecoveryKey key, QrPayloadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        options ??= QrPayloadOptions.Default;
        var groups = key.RevealGroups();
        var half = RecoveryKey.GroupCount / 2;
        var first = Prefix(options) + string.Join('-', groups.Take(half)) + "-";
        var second = string.Join('-', groups.Skip(half)) + Suffix(options);
        return [new QrPayload(first, 1, 2), new QrPayload(second, 2, 2)];
    }

    /// <summary>The payload for <paramref name="part"/>: 0 for the single code, 1 or 2 for the halves of the two-code variant.</summary>
    public static QrPayload ForPart(RecoveryKey key, int part, QrPayloadOptions? options = null) => part switch
    {
        0 => Single(key, options),
        1 or 2 => Split(key, options)[part - 1],
        _ => throw new ArgumentOutOfRangeException(nameof(part), "part: 0 (one code), 1 or 2 (two codes)."),
    };

    private static string Prefix(QrPayloadOptions options) =>
        (options.LeadingSpace ? " " : "") + BootOptionLine.OptionName + "=";

    private static string Suffix(QrPayloadOptions options) => options.Enter switch
    {
        QrEnter.LineFeed => "\n",
        QrEnter.CarriageReturn => "\r",
        _ => "",
    };

    public override string ToString() => $"QrPayload {{ Part = {Part}/{Parts}, Text = {RecoveryKey.Redacted} }}";
}
