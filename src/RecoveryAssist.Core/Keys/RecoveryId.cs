using System.Diagnostics.CodeAnalysis;

namespace RecoveryAssist.Core.Keys;

/// <summary>
/// The Recovery ID ESXi prints beside the key: a GUID, written upper-case in braces
/// (<c>{2DDD5424-7F3F-406A-8DA8-D62630F6C8BC}</c>). It is not secret.
/// </summary>
public readonly record struct RecoveryId(Guid Value) : IParsable<RecoveryId>
{
    /// <summary>Accepts the GUID with or without braces, in any case, with surrounding whitespace.</summary>
    public static RecoveryId Parse(string s, IFormatProvider? provider = null) =>
        TryParse(s, provider, out var id)
            ? id
            : throw new FormatException("A Recovery ID is a GUID such as {2DDD5424-7F3F-406A-8DA8-D62630F6C8BC}.");

    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out RecoveryId result)
    {
        result = default;
        if (s is null)
            return false;
        var text = s.AsSpan().Trim();
        if (Guid.TryParseExact(text, "D", out var guid) || Guid.TryParseExact(text, "B", out guid))
        {
            result = new RecoveryId(guid);
            return true;
        }
        return false;
    }

    public static bool TryParse([NotNullWhen(true)] string? s, out RecoveryId result) => TryParse(s, null, out result);

    /// <summary>True when the text has the shape of a Recovery ID (used to tell columns apart in exports).</summary>
    public static bool LooksLikeRecoveryId(string? s) => TryParse(s, out _);

    public override string ToString() => "{" + Value.ToString("D").ToUpperInvariant() + "}";
}
