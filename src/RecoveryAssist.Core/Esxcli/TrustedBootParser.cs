namespace RecoveryAssist.Core.Esxcli;

/// <summary>What <c>esxcli hardware trustedboot get</c> reports about the host's TPM.</summary>
/// <param name="TpmPresent">Whether ESXi sees a usable TPM (a TPM disabled in firmware is not seen).</param>
/// <param name="DrtmEnabled">Dynamic root of trust; null when the field is not printed.</param>
/// <param name="TpmVendor">The TPM manufacturer (TCG vendor id such as IFX, NTC, NTZ, STM); null when the host does not print it.</param>
public sealed record TrustedBootInfo(bool TpmPresent, bool? DrtmEnabled, string? TpmVendor);

/// <summary>
/// Parses <c>esxcli hardware trustedboot get</c> (text, csv, keyvalue or xml) by field name:
/// <code>
///    Drtm Enabled: false
///    Tpm Present: true
/// </code>
/// </summary>
/// <remarks>
/// "Tpm Present" is required; "Drtm Enabled" is optional. No documented ESXi command prints the TPM's
/// vendor: "Tpm Vendor" is read when a host (the test simulator) prints it, and is null otherwise, so a
/// known-failing TPM can be warned about only where the vendor is reported.
/// </remarks>
public static class TrustedBootParser
{
    private const string TpmPresentField = "Tpm Present";
    private const string DrtmField = "Drtm Enabled";
    private const string VendorField = "Tpm Vendor";

    /// <exception cref="EsxcliParseException">Any part of the output is not understood.</exception>
    public static TrustedBootInfo Parse(string output, EsxcliFormat? format = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (string.IsNullOrWhiteSpace(output))
            throw new EsxcliParseException(1, "expected the output of esxcli hardware trustedboot get (Tpm Present, ...), found nothing");

        var record = SingleRecord.Of(FieldRecordReader.Read(output, format ?? EsxcliFormatDetector.Detect(output)), output,
            $"expected exactly one structure with the field {TpmPresentField}");
        bool? drtm = record.TryGet(DrtmField, out var drtmField) ? EsxcliValues.ParseBoolean(drtmField, DrtmField) : null;
        string? vendor = record.TryGet(VendorField, out var vendorField) && !string.IsNullOrWhiteSpace(vendorField.Text) ? vendorField.Text.Trim() : null;
        return new TrustedBootInfo(EsxcliValues.ParseBoolean(record.Require(TpmPresentField), TpmPresentField), drtm, vendor);
    }
}
