namespace RecoveryAssist.Core.Esxcli;

/// <summary>
/// Parses <c>/usr/lib/vmware/secureboot/bin/secureBoot.py -s</c>: one word, <c>Enabled</c> or
/// <c>Disabled</c> (the form the DISA STIG ESXi checks expect): whether UEFI Secure Boot is on in the
/// firmware, as the running host sees it.
/// </summary>
public static class SecureBootStatusParser
{
    /// <returns>True for Enabled, false for Disabled.</returns>
    /// <exception cref="EsxcliParseException">Anything else.</exception>
    public static bool Parse(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var lines = TextLines.NonBlank(output);
        if (lines.Count != 1)
        {
            throw new EsxcliParseException(lines.Count == 0 ? 1 : lines[1].Number,
                $"expected one line, Enabled or Disabled, as secureBoot.py -s prints it, found {lines.Count}");
        }
        return lines[0].Text.Trim().ToUpperInvariant() switch
        {
            "ENABLED" => true,
            "DISABLED" => false,
            _ => throw new EsxcliParseException(lines[0].Number, "expected Enabled or Disabled, as secureBoot.py -s prints it"),
        };
    }
}
