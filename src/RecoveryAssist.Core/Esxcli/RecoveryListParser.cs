using System.Text;
using System.Text.RegularExpressions;
using RecoveryAssist.Core.Keys;

namespace RecoveryAssist.Core.Esxcli;

/// <summary>
/// Parses the output of <c>esxcli system settings encryption recovery list</c> in any of its forms.
/// </summary>
/// <remarks>
/// <para>Table form (the published sample, vSphere 8.0 Security guide; see esxi-reference.md):</para>
/// <code>
/// Recovery ID                             Key            (digits elided here)
/// --------------------------------------  ---
/// {2DDD5424-...-D62630F6C8BC}  111111-...-222222
/// -333333-...-444444
/// </code>
/// A key may run over continuation lines: whether esxcli wraps or the documentation page did is
/// not known. Continuation lines hold only digits, dashes and spaces; the row and its continuations
/// are joined without adding anything (a wrap inserts only a line break), and the result must still
/// be 16 groups that pass the group check, so a wrong join cannot yield a key. Several rows are
/// accepted (whether ESXi prints more than one is not known).
/// <para>csv, keyvalue and xml are read by field name (RecoveryID, Key), in any column order and
/// with any structure type name; other fields are ignored.</para>
/// <para>Output with no row is an error: a host in TPM mode always has a recovery key, so an empty
/// list means the wrong command, a host not in TPM mode, or a truncated capture. The same Recovery
/// ID twice is an error too: which of its keys is current could not be told.</para>
/// </remarks>
public static partial class RecoveryListParser
{
    private const string NoKey = "no recovery key in the output: a host in TPM mode always has one (wrong command, mode NONE, or a truncated capture?)";

    /// <param name="output">What the command printed.</param>
    /// <param name="format">The formatter used, or null to detect it.</param>
    /// <param name="check">Whether a key failing the group check is an error or a warning on the key.</param>
    /// <param name="allowEmpty">
    /// Accept output with no row (nothing, or a header alone) as an empty list: for a caller that has
    /// another way to know the host is not in Mode TPM. Anything else that is not understood is still an error.
    /// </param>
    /// <returns>Every row, in order; never empty unless <paramref name="allowEmpty"/>.</returns>
    /// <exception cref="EsxcliParseException">Any part of the output is not understood.</exception>
    public static IReadOnlyList<RecoveryListEntry> Parse(string output, EsxcliFormat? format = null, KeyCheck check = KeyCheck.Enforce, bool allowEmpty = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (string.IsNullOrWhiteSpace(output))
            return allowEmpty ? [] : throw new EsxcliParseException(1, NoKey);

        // The table's own header is recognised first, so a table without its ruler is reported as such.
        var form = format
            ?? (Header().IsMatch(TextLines.NonBlank(output)[0].Text) ? EsxcliFormat.Table : EsxcliFormatDetector.Detect(output));
        var entries = form switch
        {
            EsxcliFormat.Table => ParseTable(output, check),
            var other => FieldRecordReader.Read(output, other).Select(r => FromRecord(r, check)).ToList(),
        };
        if (entries.Count == 0)
            return allowEmpty ? [] : throw new EsxcliParseException(TextLines.LastLineNumber(output), NoKey);

        var seen = new HashSet<RecoveryId>();
        foreach (var (entry, line) in entries)
        {
            if (!seen.Add(entry.RecoveryId))
                throw new EsxcliParseException(line, "expected each Recovery ID once, found one a second time");
        }
        return entries.Select(e => e.Entry).ToArray();
    }

    private static (RecoveryListEntry Entry, int Line) FromRecord(FieldRecord record, KeyCheck check)
    {
        var id = EsxcliValues.ParseRecoveryId(record.Require("Recovery ID"));
        var keyField = record.Require("Key");
        var key = EsxcliValues.ParseKey(keyField.Text, keyField.LineNumber, check);
        return (new RecoveryListEntry(id, key), record.LineNumber);
    }

    private static List<(RecoveryListEntry Entry, int Line)> ParseTable(string output, KeyCheck check)
    {
        var lines = TextLines.NonBlank(output);
        var header = lines[0];
        if (!Header().IsMatch(header.Text))
            throw new EsxcliParseException(header.Number, "expected the header \"Recovery ID  Key\" of esxcli system settings encryption recovery list");
        if (lines.Count < 2 || !EsxcliFormatDetector.Ruler().IsMatch(lines[1].Text))
            throw new EsxcliParseException(lines.Count < 2 ? header.Number + 1 : lines[1].Number, "expected the dash ruler under the header");

        var rows = new List<TableRow>();
        foreach (var line in lines.Skip(2))
        {
            var text = line.Text.Trim();
            var split = text.IndexOfAny([' ', '\t']);
            var first = split < 0 ? text : text[..split];
            if (RecoveryId.TryParse(first, out var id))
            {
                rows.Add(new TableRow(id, line.Number));
                rows[^1].Add(split < 0 ? "" : text[split..].Trim(), line.Number);
            }
            else if (rows.Count > 0 && Continuation().IsMatch(text))
            {
                rows[^1].Add(text, line.Number);
            }
            else
            {
                throw new EsxcliParseException(line.Number, rows.Count == 0
                    ? "expected a row starting with a Recovery ID, a GUID in braces"
                    : "expected a row starting with a Recovery ID, or the rest of a key (digits and dashes) on a continuation line");
            }
        }

        return rows.Select(r => (new RecoveryListEntry(r.Id, r.ParseKey(check)), r.Line)).ToList();
    }

    [GeneratedRegex(@"^\s*Recovery\s+ID\s{2,}Key\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex Header();

    [GeneratedRegex(@"^[0-9][0-9\s-]*$|^-[0-9\s-]*$")]
    private static partial Regex Continuation();

    /// <summary>A table row and its continuation lines, each character remembered with its line.</summary>
    private sealed class TableRow(RecoveryId id, int line)
    {
        private readonly StringBuilder _key = new();
        private readonly List<int> _lineOfChar = [];

        public RecoveryId Id { get; } = id;

        public int Line { get; } = line;

        public void Add(string fragment, int lineNumber)
        {
            _key.Append(fragment);
            _lineOfChar.AddRange(Enumerable.Repeat(lineNumber, fragment.Length));
        }

        public RecoveryKey ParseKey(KeyCheck check)
        {
            if (_key.Length == 0)
                throw new EsxcliParseException(Line, "expected the key after the Recovery ID");
            return EsxcliValues.ParseKey(_key.ToString(), Line, check, LineOfGroup);
        }

        // Group n (1-based) starts after the (n-1)th dash.
        private int LineOfGroup(int group)
        {
            var dashes = 0;
            for (var i = 0; i < _key.Length; i++)
            {
                if (dashes == group - 1 && !char.IsWhiteSpace(_key[i]) && _key[i] != '-')
                    return _lineOfChar[i];
                if (_key[i] == '-')
                    dashes++;
            }
            return _lineOfChar.Count > 0 ? _lineOfChar[^1] : Line;
        }
    }
}
