namespace RecoveryAssist.Core.Esxcli;

/// <summary>What <c>esxcli hardware platform get</c> reports (SMBIOS system information).</summary>
/// <param name="Uuid">As esxcli prints it, e.g. <c>0x4c 0x4c 0x45 ...</c>; not converted, because the byte order
/// esxcli uses against iPXE's <c>${uuid}</c> is not confirmed.</param>
public sealed record HardwarePlatform(string Uuid, string ProductName, string VendorName, string SerialNumber, string? EnclosureSerialNumber);

/// <summary>
/// Parses <c>esxcli hardware platform get</c> in text, csv, keyvalue or xml form, by field name.
/// </summary>
/// <remarks>
/// Text shape, recalled from hosts and NOT confirmed against a published sample (none was found):
/// <code>
/// Platform Information
///    UUID: 0x4c 0x4c 0x45 0x44 ...
///    Product Name: PowerEdge R640
///    Vendor Name: Dell Inc.
///    Serial Number: 2WK4P32
///    Enclosure Serial Number: 2WK4P32
///    BIOS Asset Tag:
///    IPMI Supported: true
/// </code>
/// UUID, Product Name, Vendor Name and Serial Number are required (a board swap changes them, which is
/// what the appliance compares); Enclosure Serial Number is optional; other fields are ignored.
/// </remarks>
public static class HardwarePlatformParser
{
    private const string Title = "Platform Information";

    /// <exception cref="EsxcliParseException">Any part of the output is not understood.</exception>
    public static HardwarePlatform Parse(string output, EsxcliFormat? format = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (string.IsNullOrWhiteSpace(output))
            throw new EsxcliParseException(1, "expected the output of esxcli hardware platform get, found nothing");

        var record = SingleRecord.Of(FieldRecordReader.Read(output, format ?? EsxcliFormatDetector.Detect(output), Title), output,
            "expected exactly one structure with UUID, Product Name, Vendor Name and Serial Number");
        return new HardwarePlatform(
            record.Require("UUID").Text!.Trim(),
            record.Require("Product Name").Text!.Trim(),
            record.Require("Vendor Name").Text!.Trim(),
            record.Require("Serial Number").Text!.Trim(),
            record.TryGet("Enclosure Serial Number", out var enclosure) && !string.IsNullOrWhiteSpace(enclosure.Text) ? enclosure.Text.Trim() : null);
    }
}

internal static class SingleRecord
{
    public static FieldRecord Of(IReadOnlyList<FieldRecord> records, string output, string expected) => records.Count == 1
        ? records[0]
        : throw new EsxcliParseException(records.Count == 0 ? TextLines.LastLineNumber(output) : records[1].LineNumber, $"{expected}, found {records.Count}");
}
