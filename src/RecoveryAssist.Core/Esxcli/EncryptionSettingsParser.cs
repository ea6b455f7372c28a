namespace RecoveryAssist.Core.Esxcli;

/// <summary>Mode of the secure configuration (vSphere API <c>protectionMode</c>: none / tpm).</summary>
public enum ProtectionMode
{
    None,
    Tpm,
}

/// <summary>What <c>esxcli system settings encryption get</c> reports.</summary>
public sealed record EncryptionSettings(ProtectionMode Mode, bool RequireSecureBoot, bool RequireExecutablesOnlyFromInstalledVibs);

/// <summary>
/// Reads <c>esxcli system settings encryption get</c> in its text form (<c>   Mode: TPM</c>) or any
/// machine format, by field name. Fields it does not know are passed over (a newer ESXi may add
/// some); the three it needs must be there.
/// </summary>
public static class EncryptionSettingsParser
{
    private const string ModeField = "Mode";
    private const string SecureBootField = "Require Secure Boot";
    private const string ExecInstalledOnlyField = "Require Executables Only From Installed VIBs";

    /// <exception cref="EsxcliParseException">The output is not understood; the message names the line.</exception>
    public static EncryptionSettings Parse(string output, EsxcliFormat? format = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        var record = (format ?? EsxcliFormatDetector.Detect(output)) switch
        {
            EsxcliFormat.Table => ReadText(output),
            var machine => Single(FieldRecords.Read(output, machine)),
        };
        return new EncryptionSettings(
            ReadMode(record),
            ReadBoolean(record, SecureBootField),
            ReadBoolean(record, ExecInstalledOnlyField));
    }

    /// <summary>"Name: value" lines, indented by esxcli.</summary>
    private static FieldRecord ReadText(string output)
    {
        var fields = new Dictionary<string, (string, int)>(StringComparer.Ordinal);
        var first = 0;
        foreach (var (number, text) in TextLines.Split(output))
        {
            if (text.Trim().Length == 0)
                continue;
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || text[..colon].Trim().Length == 0)
                throw new EsxcliParseException(number, "expected 'Name: value'");
            first = first == 0 ? number : first;
            fields[FieldRecords.Normalize(text[..colon])] = (text[(colon + 1)..].Trim(), number);
        }
        if (fields.Count == 0)
            throw new EsxcliParseException(null, "the output is empty");
        return new FieldRecord(first, fields);
    }

    private static FieldRecord Single(IReadOnlyList<FieldRecord> records) => records.Count switch
    {
        1 => records[0],
        0 => throw new EsxcliParseException(null, "the output is empty"),
        _ => throw new EsxcliParseException(records[1].LineNumber, "expected one settings structure, found several"),
    };

    private static ProtectionMode ReadMode(FieldRecord record)
    {
        var value = record.Get(ModeField) ?? throw Missing(record, ModeField);
        return value.ToUpperInvariant() switch
        {
            "TPM" => ProtectionMode.Tpm,
            "NONE" => ProtectionMode.None,
            _ => throw new EsxcliParseException(record.LineOf(ModeField), "Mode: expected TPM or NONE"),
        };
    }

    private static bool ReadBoolean(FieldRecord record, string name)
    {
        var value = record.Get(name) ?? throw Missing(record, name);
        return value.ToLowerInvariant() switch
        {
            "true" => true,
            "false" => false,
            _ => throw new EsxcliParseException(record.LineOf(name), $"{name}: expected true or false"),
        };
    }

    private static EsxcliParseException Missing(FieldRecord record, string name) =>
        new(record.LineNumber, $"expected a '{name}' field");
}
