using System.Globalization;
using System.Text;

namespace RecoveryAssist.Server.Features.Escrow;

/// <summary>Normalises host identities so that a lookup finds a host however a tool spelled them.</summary>
internal static class HostIdentity
{
    public const int MaxNameLength = 253;

    public static string NameKey(string name) => name.Trim().ToLowerInvariant();

    /// <summary>A DNS-style host name or FQDN: letters, digits, '-', '.', '_'.</summary>
    public static string? DescribeInvalidName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
            return "is required";
        var trimmed = name.Trim();
        if (trimmed.Length > MaxNameLength)
            return $"is longer than {MaxNameLength} characters";
        if (trimmed.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_')))
            return "may hold only letters, digits, '-', '.' and '_'";
        return null;
    }

    /// <summary>Accepts aa:bb:cc:dd:ee:ff, aa-bb-..., aabb.ccdd.eeff and aabbccddeeff; returns lower-case with colons.</summary>
    public static string? NormalizeMac(string? mac)
    {
        if (mac is null)
            return null;
        var hex = new StringBuilder(12);
        foreach (var c in mac.Trim())
        {
            if (char.IsAsciiHexDigit(c))
                hex.Append(char.ToLowerInvariant(c));
            else if (c is not (':' or '-' or '.'))
                return null;
        }
        if (hex.Length != 12)
            return null;
        return string.Join(':', Enumerable.Range(0, 6).Select(i => hex.ToString(i * 2, 2)));
    }

    public static string? NormalizeUuid(string? uuid) =>
        Guid.TryParse(uuid?.Trim(), out var guid) ? guid.ToString("D", CultureInfo.InvariantCulture) : null;

    public static string? NormalizeSerial(string? serial) =>
        string.IsNullOrWhiteSpace(serial) ? null : serial.Trim().ToUpperInvariant();
}
