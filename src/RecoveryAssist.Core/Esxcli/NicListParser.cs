using System.Text.RegularExpressions;

namespace RecoveryAssist.Core.Esxcli;

/// <summary>One physical NIC from <c>esxcli network nic list</c>.</summary>
/// <param name="MacAddress">Lower-case, colon-separated, as esxcli prints it.</param>
public sealed record NicInfo(string Name, string MacAddress, string? Driver, string? LinkStatus);

/// <summary>
/// Parses <c>esxcli network nic list</c>: the column table, csv, keyvalue or xml, by field name
/// (Name, MAC Address; Driver and Link Status when present).
/// </summary>
/// <remarks>
/// Table shape, recalled from hosts and NOT confirmed against a published sample:
/// <code>
/// Name    PCI Device    Driver  Admin Status  Link Status  Speed  Duplex  MAC Address         MTU  Description
/// ------  ------------  ------  ------------  -----------  -----  ------  -----------------  ----  -----------
/// vmnic0  0000:01:00.0  ntg3    Up            Up            1000  Full    00:0a:f7:aa:bb:01  1500  Broadcom ...
/// </code>
/// The columns are cut at the ruler's runs of dashes. A host without NICs prints no row, which is
/// returned as an empty list (unlike a recovery list, that is a fact about the host, not a bad capture).
/// </remarks>
public static partial class NicListParser
{
    /// <exception cref="EsxcliParseException">Any part of the output is not understood.</exception>
    public static IReadOnlyList<NicInfo> Parse(string output, EsxcliFormat? format = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (string.IsNullOrWhiteSpace(output))
            throw new EsxcliParseException(1, "expected the output of esxcli network nic list, found nothing");

        return FieldRecordReader.Read(output, format ?? EsxcliFormatDetector.Detect(output)).Select(record =>
        {
            var name = record.Require("Name");
            var mac = record.Require("MAC Address");
            if (!Mac().IsMatch(mac.Text!.Trim()))
                throw new EsxcliParseException(mac.LineNumber, "expected a MAC address such as 00:0a:f7:aa:bb:01 in the field \"MAC Address\"");
            if (!NicName().IsMatch(name.Text!.Trim()))
                throw new EsxcliParseException(name.LineNumber, "expected a NIC name such as vmnic0 in the field \"Name\"");
            return new NicInfo(
                name.Text.Trim(),
                mac.Text.Trim().ToLowerInvariant(),
                Optional(record, "Driver"),
                Optional(record, "Link Status"));
        }).ToArray();
    }

    private static string? Optional(FieldRecord record, string name) =>
        record.TryGet(name, out var value) && !string.IsNullOrWhiteSpace(value.Text) ? value.Text.Trim() : null;

    [GeneratedRegex("^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}$")]
    private static partial Regex Mac();

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_.-]*$")]
    private static partial Regex NicName();
}
