using RecoveryAssist.Core.Keys;

namespace RecoveryAssist.Core.Esxcli;

/// <summary>One row of <c>esxcli system settings encryption recovery list</c>. Its ToString redacts the key.</summary>
public sealed record RecoveryListEntry(RecoveryId RecoveryId, RecoveryKey Key);

/// <summary>
/// Reads <c>esxcli system settings encryption recovery list</c> output in any of its forms.
/// All rows or none: a half-understood output is an error, never a shorter list. An output with
/// no row is an error too: a host with a TPM-sealed configuration always has a key.
/// </summary>
public static class RecoveryListParser
{
    private const string RecoveryIdField = "Recovery ID";
    private const string KeyField = "Key";

    /// <exception cref="EsxcliParseException">The output is not understood; the message names the line.</exception>
    public static IReadOnlyList<RecoveryListEntry> Parse(string output, EsxcliFormat? format = null, KeyCheck check = KeyCheck.Enforce)
    {
        ArgumentNullException.ThrowIfNull(output);
        var entries = (format ?? EsxcliFormatDetector.Detect(output)) switch
        {
            EsxcliFormat.Table => ParseTable(output, check),
            var machine => FieldRecords.Read(output, machine).Select(r => FromRecord(r, check)).ToList(),
        };
        if (entries.Count == 0)
            throw new EsxcliParseException(null, "no recovery key in the output (expected at least one row)");
        return entries;
    }

    /// <summary>
    /// The table: a header naming "Recovery ID" and "Key", a ruler of dashes, then rows that each start
    /// with a braced GUID. A key may wrap onto continuation lines (as in VMware's published sample).
    /// </summary>
    private static List<RecoveryListEntry> ParseTable(string output, KeyCheck check)
    {
        var lines = TextLines.Split(output).SkipWhile(l => l.Text.Trim().Length == 0).ToList();
        if (lines.Count == 0)
            throw new EsxcliParseException(null, "the output is empty");
        var header = lines[0];
        if (!header.Text.Contains(RecoveryIdField, StringComparison.OrdinalIgnoreCase) || !header.Text.Contains(KeyField, StringComparison.Ordinal))
            throw new EsxcliParseException(header.Number, "expected the table header 'Recovery ID  Key'");
        var body = lines.Skip(1).ToList();
        if (body.Count > 0 && body[0].Text.Trim().Length > 0 && body[0].Text.Trim().All(c => c is '-' or ' '))
            body.RemoveAt(0);

        var rows = new List<(int Line, RecoveryId Id, List<string> KeyText)>();
        foreach (var (number, text) in body)
        {
            var trimmed = text.Trim();
            if (trimmed.Length == 0)
                continue;
            if (trimmed.StartsWith('{'))
            {
                var close = trimmed.IndexOf('}', StringComparison.Ordinal);
                if (close < 0 || !RecoveryId.TryParse(trimmed[..(close + 1)], out var id))
                    throw new EsxcliParseException(number, "expected a Recovery ID such as {2DDD5424-7F3F-406A-8DA8-D62630F6C8BC} at the start of the row");
                rows.Add((number, id, [trimmed[(close + 1)..]]));
            }
            else if (rows.Count > 0 && trimmed.All(c => char.IsAsciiDigit(c) || c is '-' || char.IsWhiteSpace(c)))
            {
                rows[^1].KeyText.Add(trimmed);
            }
            else
            {
                throw new EsxcliParseException(number, rows.Count == 0
                    ? "expected a row starting with a braced Recovery ID"
                    : "expected a row starting with a braced Recovery ID, or the continuation of a wrapped key (digits and dashes)");
            }
        }
        return rows.Select(r => new RecoveryListEntry(r.Id, ParseKey(string.Join('\n', r.KeyText), r.Line, check))).ToList();
    }

    private static RecoveryListEntry FromRecord(FieldRecord record, KeyCheck check)
    {
        var idText = record.Get(RecoveryIdField)
            ?? throw new EsxcliParseException(record.LineNumber, "expected a RecoveryID field");
        var keyText = record.Get(KeyField)
            ?? throw new EsxcliParseException(record.LineNumber, "expected a Key field");
        if (!RecoveryId.TryParse(idText, out var id))
            throw new EsxcliParseException(record.LineOf(RecoveryIdField), "the RecoveryID field is not a GUID");
        return new RecoveryListEntry(id, ParseKey(keyText, record.LineOf(KeyField), check));
    }

    internal static RecoveryKey ParseKey(string text, int line, KeyCheck check) =>
        RecoveryKey.TryParse(text, check, out var key, out var problems)
            ? key
            : throw new EsxcliParseException(line, "the key is not valid: " + string.Join("; ", problems));
}
