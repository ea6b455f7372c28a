namespace RecoveryAssist.Core.Esxcli;

/// <summary>
/// Parses the output of <c>esxcli system settings encryption get</c>: the text form
/// (<c>   Mode: TPM</c>, <c>   Require Executables Only From Installed VIBs: false</c>,
/// <c>   Require Secure Boot: true</c>; esxi-reference.md), csv, keyvalue or xml, by field name.
/// </summary>
/// <remarks>
/// Mode is TPM or NONE and the booleans true or false, in any case. Exactly one structure is expected;
/// fields other than the three are ignored. Empty output is an error: the command always prints them.
/// </remarks>
public static class EncryptionSettingsParser
{
    private const string ModeField = "Mode";
    private const string SecureBootField = "Require Secure Boot";
    private const string ExecInstalledOnlyField = "Require Executables Only From Installed VIBs";

    /// <exception cref="EsxcliParseException">Any part of the output is not understood.</exception>
    public static EncryptionSettings Parse(string output, EsxcliFormat? format = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (string.IsNullOrWhiteSpace(output))
            throw new EsxcliParseException(1, "expected the output of esxcli system settings encryption get (Mode, Require Secure Boot, ...), found nothing");

        var records = FieldRecordReader.Read(output, format ?? EsxcliFormatDetector.Detect(output));
        if (records.Count != 1)
        {
            throw new EsxcliParseException(records.Count == 0 ? TextLines.LastLineNumber(output) : records[1].LineNumber,
                $"expected exactly one structure with the fields Mode, {SecureBootField} and {ExecInstalledOnlyField}, found {records.Count}");
        }

        var record = records[0];
        var mode = record.Require(ModeField);
        return new EncryptionSettings(
            mode.Text!.Trim().ToUpperInvariant() switch
            {
                "TPM" => ProtectionMode.Tpm,
                "NONE" => ProtectionMode.None,
                _ => throw new EsxcliParseException(mode.LineNumber, "expected Mode TPM or NONE"),
            },
            EsxcliValues.ParseBoolean(record.Require(SecureBootField), SecureBootField),
            EsxcliValues.ParseBoolean(record.Require(ExecInstalledOnlyField), ExecInstalledOnlyField));
    }
}
