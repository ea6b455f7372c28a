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
        const string Expected = "Enabled or Disabled, as secureBoot.py -s prints it";
        var line = TextLines.Single(output, Expected);
        return line.Text.Trim().ToUpperInvariant() switch
        {
            "ENABLED" => true,
            "DISABLED" => false,
            _ => throw new EsxcliParseException(line.Number, "expected " + Expected),
        };
    }
}
