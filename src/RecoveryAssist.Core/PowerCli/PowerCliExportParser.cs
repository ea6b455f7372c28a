using RecoveryAssist.Core.Esxcli;
using RecoveryAssist.Core.Keys;

namespace RecoveryAssist.Core.PowerCli;

/// <summary>One row of a PowerCLI export. Its ToString redacts the key.</summary>
public sealed record PowerCliKeyRecord(int LineNumber, string? HostName, RecoveryId RecoveryId, RecoveryKey Key);

/// <summary>
/// Reads CSV exports of <c>(Get-EsxCli -V2).system.settings.encryption.recovery.list.Invoke()</c>
/// (Export-Csv style: an optional <c>#TYPE</c> line, quoted fields). At least one public script
/// swaps the RecoveryID and Key columns, so the two are told apart by their shape, not the header.
/// </summary>
public static class PowerCliExportParser
{
    private static readonly string[] HostColumns = ["vmhost", "name", "host", "hostname"];
    private static readonly string[] KeyColumns = ["recoveryid", "key"];

    /// <exception cref="EsxcliParseException">A row is not understood; nothing is returned.</exception>
    public static IReadOnlyList<PowerCliKeyRecord> Parse(string csv, KeyCheck check = KeyCheck.Enforce)
    {
        ArgumentNullException.ThrowIfNull(csv);
        var lines = TextLines.Split(csv).Where(l => l.Text.Trim().Length > 0).ToList();
        if (lines.Count > 0 && lines[0].Text.TrimStart().StartsWith("#TYPE", StringComparison.OrdinalIgnoreCase))
            lines.RemoveAt(0);
        if (lines.Count == 0)
            throw new EsxcliParseException(null, "the export is empty");

        var header = CsvLine.Split(lines[0].Text, lines[0].Number).Select(FieldRecords.Normalize).ToList();
        var keyColumns = KeyColumns.Select(c => header.IndexOf(c)).ToList();
        if (keyColumns.Any(i => i < 0))
            throw new EsxcliParseException(lines[0].Number, "expected a header with RecoveryID and Key columns");
        var hostColumn = HostColumns.Select(c => header.IndexOf(c)).FirstOrDefault(i => i >= 0, -1);

        var records = new List<PowerCliKeyRecord>();
        foreach (var (number, text) in lines.Skip(1))
        {
            var values = CsvLine.Split(text, number);
            if (values.Count != header.Count)
                throw new EsxcliParseException(number, $"expected {header.Count} fields as in the header, found {values.Count}");
            var (first, second) = (values[keyColumns[0]], values[keyColumns[1]]);
            var (idText, keyText) = RecoveryId.LooksLikeRecoveryId(first) ? (first, second)
                : RecoveryId.LooksLikeRecoveryId(second) ? (second, first)
                : throw new EsxcliParseException(number, "no Recovery ID (a GUID) in the RecoveryID or Key column");
            var host = hostColumn >= 0 && values[hostColumn].Trim().Length > 0 ? values[hostColumn].Trim() : null;
            records.Add(new PowerCliKeyRecord(number, host, RecoveryId.Parse(idText), RecoveryListParser.ParseKey(keyText, number, check)));
        }
        if (records.Count == 0)
            throw new EsxcliParseException(lines[0].Number, "the export has a header but no rows");
        return records;
    }
}
