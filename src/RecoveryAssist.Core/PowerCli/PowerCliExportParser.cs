using RecoveryAssist.Core.Esxcli;
using RecoveryAssist.Core.Keys;

namespace RecoveryAssist.Core.PowerCli;

/// <summary>
/// Reads a CSV written by PowerShell's Export-Csv from the objects that
/// <c>(Get-EsxCli -V2).system.settings.encryption.recovery.list.Invoke()</c> returns.
/// </summary>
/// <remarks>
/// <para>Shape: an optional <c>#TYPE ...</c> first line (Windows PowerShell without -NoTypeInformation),
/// a header, then one row per key, fields usually quoted (<c>"esx01","{GUID}","000011-...-..."</c>).
/// Columns are found by name: <c>RecoveryID</c> and <c>Key</c>, and optionally a host column
/// (<c>VMHost</c>, <c>Host</c> or <c>Name</c>, first found in that order); others are ignored.
/// Commas or semicolons (<c>-UseCulture</c> in many locales) separate the fields.</para>
/// <para>At least one public export script swaps the two columns (esxi-reference.md), so in each row
/// the Recovery ID and the key are told apart by their shape, a GUID and 16 groups of digits,
/// not by the header.</para>
/// <para>A header without rows is an error, as is an empty file: an export of no host is not a
/// backup, and importing it silently would hide a wrong file. Errors are
/// <see cref="EsxcliParseException"/>s naming the line.</para>
/// </remarks>
public static class PowerCliExportParser
{
    private static readonly string[] HostColumns = ["VMHost", "Host", "Name"];

    /// <exception cref="EsxcliParseException">Any part of the file is not understood.</exception>
    public static IReadOnlyList<PowerCliKeyRecord> Parse(string csv, KeyCheck check = KeyCheck.Enforce)
    {
        ArgumentNullException.ThrowIfNull(csv);
        var lines = TextLines.NonBlank(csv);
        var next = 0;
        if (next < lines.Count && lines[next].Text.TrimStart().StartsWith("#TYPE", StringComparison.OrdinalIgnoreCase))
            next++;
        if (next == lines.Count)
            throw new EsxcliParseException(lines.Count == 0 ? 1 : lines[^1].Number + 1, "expected a CSV header with the columns RecoveryID and Key, found nothing");

        var headerLine = lines[next++];
        var (delimiter, columns) = ReadHeader(headerLine);

        var records = new List<PowerCliKeyRecord>();
        foreach (var line in lines.Skip(next))
        {
            var cells = CsvLine.Split(line.Text, delimiter);
            if (cells is null)
                throw new EsxcliParseException(line.Number, "expected quoted or plain fields, found a quote that is not closed or text after a closing quote");
            if (cells.Count != columns.Count)
                throw new EsxcliParseException(line.Number, $"expected {columns.Count} fields as in the header on line {headerLine.Number}, found {cells.Count}");
            records.Add(ReadRow(line.Number, cells, columns, check));
        }
        if (records.Count == 0)
            throw new EsxcliParseException(headerLine.Number + 1, "expected a row for each host after the header, found none");
        return records;
    }

    private static (char Delimiter, Columns Columns) ReadHeader(NumberedLine header)
    {
        foreach (var delimiter in (ReadOnlySpan<char>)[',', ';'])
        {
            if (CsvLine.Split(header.Text, delimiter) is not { } names)
                continue;
            var id = IndexOf(names, "RecoveryID");
            var key = IndexOf(names, "Key");
            if (id < 0 || key < 0)
                continue;
            var host = HostColumns.Select(h => IndexOf(names, h)).FirstOrDefault(i => i >= 0, -1);
            return (delimiter, new Columns(id, key, host, names.Count));
        }
        throw new EsxcliParseException(header.Number, "expected a CSV header with the columns RecoveryID and Key (and optionally VMHost, Host or Name)");
    }

    private static PowerCliKeyRecord ReadRow(int line, IReadOnlyList<string> cells, Columns columns, KeyCheck check)
    {
        var idCell = cells[columns.RecoveryId].Trim();
        var keyCell = cells[columns.Key].Trim();
        // Swapped columns: the GUID decides, so a mistyped key in the RecoveryID column is still reported as a key.
        if (!RecoveryId.LooksLikeRecoveryId(idCell) && RecoveryId.LooksLikeRecoveryId(keyCell))
            (idCell, keyCell) = (keyCell, idCell);

        var id = EsxcliValues.ParseRecoveryId(idCell, line);
        var key = EsxcliValues.ParseKey(keyCell, line, check);
        var host = columns.Host >= 0 && cells[columns.Host].Trim() is { Length: > 0 } name ? name : null;
        return new PowerCliKeyRecord(line, host, id, key);
    }

    private static int IndexOf(IReadOnlyList<string> names, string wanted)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (string.Equals(names[i].Replace(" ", "", StringComparison.Ordinal), wanted, StringComparison.OrdinalIgnoreCase))
                return i;
        }
        return -1;
    }

    private readonly record struct Columns(int RecoveryId, int Key, int Host, int Count);
}
