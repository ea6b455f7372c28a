using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;

namespace RecoveryAssist.Core.Esxcli;

/// <summary>
/// Reads esxcli output into structures of named fields, whatever the formatter. The command-specific
/// parsers (<see cref="RecoveryListParser"/>, <see cref="EncryptionSettingsParser"/>, ...) map fields
/// to values; this class knows only the formatters.
/// </summary>
/// <remarks>
/// Shapes (esxi-reference.md): csv is a header of field names without spaces, each followed by a
/// comma, then one row per structure; keyvalue is <c>structure[N].&lt;Type&gt;.&lt;Field&gt;.&lt;type&gt;=value</c>
/// for lists and <c>&lt;Type&gt;.&lt;Field&gt;.&lt;type&gt;=value</c> for a single structure; xml is
/// <c>&lt;output xmlns=...&gt;&lt;root&gt;</c> holding a <c>&lt;list type="structure"&gt;</c> or one
/// <c>&lt;structure&gt;</c>, each with <c>&lt;field name="..."&gt;&lt;string&gt;value&lt;/string&gt;&lt;/field&gt;</c>.
/// Type names are not known for every command, so they are never checked.
/// </remarks>
internal static partial class FieldRecordReader
{
    /// <param name="output">The command's output.</param>
    /// <param name="format">The formatter that produced it; <see cref="EsxcliFormat.Table"/> means the text form of one structure.</param>
    /// <param name="title">The title line the text form starts with, if the command prints one.</param>
    public static IReadOnlyList<FieldRecord> Read(string output, EsxcliFormat format, string? title = null) => format switch
    {
        EsxcliFormat.Csv => ReadCsv(output),
        EsxcliFormat.KeyValue => ReadKeyValue(output),
        EsxcliFormat.Xml => ReadXml(output),
        EsxcliFormat.Table => IsColumnTable(output) ? ReadColumnTable(output) : [ReadNameValueText(output, title)],
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unknown esxcli format"),
    };

    public static IReadOnlyList<FieldRecord> ReadCsv(string output)
    {
        var lines = TextLines.NonBlank(output);
        if (lines.Count == 0)
            throw new EsxcliParseException(1, "expected a csv header of field names, found nothing");

        var headerLine = lines[0];
        var header = CsvLine.Split(headerLine.Text.Trim());
        if (header is null || !IsCsvHeader(header))
            throw new EsxcliParseException(headerLine.Number, "expected a csv header of field names separated by commas, as esxcli --formatter=csv prints it");
        // esxcli ends every line with a comma, which leaves an empty last cell.
        var trailingComma = header[^1].Length == 0;
        var names = trailingComma ? header.Take(header.Count - 1).ToArray() : header.ToArray();

        var records = new List<FieldRecord>();
        foreach (var line in lines.Skip(1))
        {
            var cells = CsvLine.Split(line.Text.TrimEnd());
            if (cells is null)
                throw new EsxcliParseException(line.Number, "expected comma-separated fields, found a quote that is not closed or text after a closing quote");
            if (trailingComma)
            {
                // Rows end with a comma as the header does; a row without it was cut or edited.
                var found = cells[^1].Length == 0 ? cells.Count - 1 : cells.Count;
                if (cells.Count != names.Length + 1 || found != names.Length)
                    throw new EsxcliParseException(line.Number, $"expected {names.Length} fields, each followed by a comma as in the header on line {headerLine.Number}, found {found}");
                cells = cells.Take(names.Length).ToArray();
            }
            else if (cells.Count != names.Length)
            {
                throw new EsxcliParseException(line.Number, $"expected {names.Length} fields as in the header on line {headerLine.Number}, found {cells.Count}");
            }

            var record = new FieldRecord(line.Number);
            for (var i = 0; i < names.Length; i++)
                record.Add(names[i], new FieldValue(cells[i], line.Number));
            records.Add(record);
        }
        return records;
    }

    public static IReadOnlyList<FieldRecord> ReadKeyValue(string output)
    {
        var lines = TextLines.NonBlank(output);
        if (lines.Count == 0)
            throw new EsxcliParseException(1, "expected <Type>.<Field>.<type>=value lines, found nothing");

        var records = new List<FieldRecord>();
        var byIndex = new Dictionary<int, FieldRecord>();
        FieldRecord? single = null;
        foreach (var line in lines)
        {
            var match = KeyValueLine().Match(line.Text.TrimStart());
            if (!match.Success)
                throw new EsxcliParseException(line.Number, "expected a keyvalue line such as structure[0].<Type>.<Field>.<type>=value or <Type>.<Field>.<type>=value");

            var field = match.Groups["field"].Value;
            var value = new FieldValue(match.Groups["value"].Value.TrimEnd(), line.Number);
            if (match.Groups["index"].Success)
            {
                if (single is not null)
                    throw new EsxcliParseException(line.Number, "expected every line without a structure[N] index, as the lines before it");
                if (!int.TryParse(match.Groups["index"].ValueSpan, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index))
                    throw new EsxcliParseException(line.Number, "expected a structure index of a few digits");
                if (!byIndex.TryGetValue(index, out var record))
                {
                    record = new FieldRecord(line.Number);
                    byIndex.Add(index, record);
                    records.Add(record);
                }
                record.Add(field, value);
            }
            else
            {
                if (records.Count > 0 && single is null)
                    throw new EsxcliParseException(line.Number, "expected a structure[N] index, as the lines before it");
                if (single is null)
                {
                    single = new FieldRecord(line.Number);
                    records.Add(single);
                }
                single.Add(field, value);
            }
        }
        return records;
    }

    public static IReadOnlyList<FieldRecord> ReadXml(string output)
    {
        XDocument document;
        try
        {
            var settings = new XmlReaderSettings
            {
                DtdProcessing = DtdProcessing.Prohibit,
                XmlResolver = null,
                IgnoreComments = true,
                IgnoreProcessingInstructions = true,
            };
            using var reader = XmlReader.Create(new StringReader(output.TrimStart('\uFEFF')), settings);
            document = XDocument.Load(reader, LoadOptions.SetLineInfo);
        }
        catch (XmlException e)
        {
            // XmlException's message quotes the offending text; only its position is kept.
            throw new EsxcliParseException(Math.Max(e.LineNumber, 1), "expected well-formed XML as esxcli --formatter=xml prints it");
        }

        var outputElement = document.Root!;
        if (outputElement.Name.LocalName != "output")
            throw new EsxcliParseException(LineOf(outputElement), "expected <output> as the outermost XML element");
        var root = SingleChild(outputElement, "root", "expected <root> as the only element inside <output>");
        var content = SingleChild(root, null, "expected a <list> of structures or one <structure> inside <root>");

        if (content.Name.LocalName == "structure")
            return [ReadStructure(content)];
        if (content.Name.LocalName != "list" || (string?)content.Attribute("type") is not (null or "structure"))
            throw new EsxcliParseException(LineOf(content), "expected a <list type=\"structure\"> or one <structure> inside <root>");

        var records = new List<FieldRecord>();
        foreach (var element in content.Elements())
        {
            if (element.Name.LocalName != "structure")
                throw new EsxcliParseException(LineOf(element), "expected only <structure> elements in the list");
            records.Add(ReadStructure(element));
        }
        return records;
    }

    /// <summary>
    /// esxcli's default text form of one structure: <c>   Name: value</c> lines, optionally after a title
    /// line without a colon (as <c>hardware platform get</c> prints "Platform Information").
    /// </summary>
    public static FieldRecord ReadNameValueText(string output, string? title = null)
    {
        var lines = TextLines.NonBlank(output);
        if (lines.Count == 0)
            throw new EsxcliParseException(1, "expected \"Name: value\" lines, found nothing");

        var first = 0;
        if (title is not null && string.Equals(lines[0].Text.Trim(), title, StringComparison.OrdinalIgnoreCase))
            first = 1;
        if (first == lines.Count)
            throw new EsxcliParseException(lines[0].Number + 1, "expected \"Name: value\" lines after the title");
        var record = new FieldRecord(lines[first].Number);
        foreach (var line in lines.Skip(first))
        {
            var match = NameValueLine().Match(line.Text);
            if (!match.Success)
                throw new EsxcliParseException(line.Number, "expected a \"Name: value\" line");
            record.Add(match.Groups["name"].Value.TrimEnd(), new FieldValue(match.Groups["value"].Value.Trim(), line.Number));
        }
        return record;
    }

    /// <summary>
    /// esxcli's default text form of a list: a header, a dash ruler, one row per structure. The
    /// ruler's runs of dashes give the columns (esxcli pads every column to its widest value), so
    /// a value with single spaces inside ("Up", "Intel Corporation I350") stays in its column.
    /// Header names are the text form's field names ("MAC Address"), matched without spaces.
    /// </summary>
    public static IReadOnlyList<FieldRecord> ReadColumnTable(string output)
    {
        var lines = TextLines.NonBlank(output);
        if (lines.Count < 2 || !EsxcliFormatDetector.Ruler().IsMatch(lines[1].Text))
            throw new EsxcliParseException(lines.Count < 2 ? (lines.Count == 0 ? 1 : lines[0].Number + 1) : lines[1].Number, "expected a header over a dash ruler");

        var ruler = lines[1].Text;
        var starts = new List<int>();
        for (var i = 0; i < ruler.Length; i++)
        {
            if (ruler[i] == '-' && (i == 0 || ruler[i - 1] != '-'))
                starts.Add(i);
        }
        var header = lines[0];
        var names = Cells(header.Text, starts);
        if (names is null || names.Any(n => !TitleName().IsMatch(n)))
            throw new EsxcliParseException(header.Number, "expected a column name above each run of dashes in the ruler");

        var records = new List<FieldRecord>();
        foreach (var line in lines.Skip(2))
        {
            var cells = Cells(line.Text, starts)
                ?? throw new EsxcliParseException(line.Number, "expected each value to start in the column of its ruler run, with nothing left of the first column");
            var record = new FieldRecord(line.Number);
            for (var i = 0; i < names.Count; i++)
                record.Add(names[i], new FieldValue(cells[i], line.Number));
            records.Add(record);
        }
        return records;
    }

    private static bool IsColumnTable(string output)
    {
        var lines = TextLines.NonBlank(output);
        return lines.Count > 1 && EsxcliFormatDetector.Ruler().IsMatch(lines[1].Text);
    }

    /// <summary>Cuts a line at the column starts; null when text straddles a column boundary.</summary>
    private static List<string>? Cells(string line, List<int> starts)
    {
        var cells = new List<string>(starts.Count);
        for (var c = 0; c < starts.Count; c++)
        {
            var from = starts[c];
            var to = c + 1 < starts.Count ? starts[c + 1] : line.Length;
            // Text left of the first column, or running from one column into the next, is not a table.
            if (c == 0 && from > 0 && !string.IsNullOrWhiteSpace(line[..Math.Min(from, line.Length)]))
                return null;
            if (from > 0 && from < line.Length && line[from] != ' ' && line[from - 1] != ' ')
                return null;
            cells.Add(from >= line.Length ? "" : line[from..Math.Min(to, line.Length)].Trim());
        }
        return cells;
    }

    internal static bool IsCsvHeader(IReadOnlyList<string> cells)
    {
        // A header of one name needs its trailing comma to be told from a word.
        if (cells.Count < 2)
            return false;
        for (var i = 0; i < cells.Count; i++)
        {
            var isLastEmpty = i == cells.Count - 1 && cells[i].Length == 0;
            if (!isLastEmpty && !FieldName().IsMatch(cells[i]))
                return false;
        }
        return true;
    }

    private static FieldRecord ReadStructure(XElement structure)
    {
        var record = new FieldRecord(LineOf(structure));
        foreach (var field in structure.Elements())
        {
            var name = (string?)field.Attribute("name");
            if (field.Name.LocalName != "field" || string.IsNullOrWhiteSpace(name))
                throw new EsxcliParseException(LineOf(field), "expected only <field name=\"...\"> elements in a structure");
            var value = SingleChild(field, null, "expected one value element such as <string> inside <field>");
            var isNested = value.Name.LocalName is "list" or "structure";
            if (!isNested && value.HasElements)
                throw new EsxcliParseException(LineOf(value), "expected a plain value inside the value element");
            record.Add(name, new FieldValue(isNested ? null : value.Value, LineOf(value)));
        }
        return record;
    }

    private static XElement SingleChild(XElement parent, string? localName, string expected)
    {
        using var children = parent.Elements().GetEnumerator();
        if (!children.MoveNext())
            throw new EsxcliParseException(LineOf(parent), expected);
        var child = children.Current;
        if (localName is not null && child.Name.LocalName != localName)
            throw new EsxcliParseException(LineOf(child), expected);
        if (children.MoveNext())
            throw new EsxcliParseException(LineOf(children.Current), expected);
        return child;
    }

    private static int LineOf(XObject node) => node is IXmlLineInfo info && info.HasLineInfo() ? info.LineNumber : 1;

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_]*$")]
    private static partial Regex FieldName();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9 ()/_.-]*$")]
    private static partial Regex TitleName();

    // The type name may hold dots; the field and value type are the last two segments before '='.
    [GeneratedRegex(@"^(?:structure\[(?<index>\d{1,6})\]\.)?[A-Za-z_][\w.]*?\.(?<field>[A-Za-z_][\w ]*)\.[A-Za-z]+=(?<value>.*)$")]
    internal static partial Regex KeyValueLine();

    [GeneratedRegex(@"^\s*(?<name>[A-Za-z][A-Za-z0-9 ()/_.-]*):(?:[ \t](?<value>.*))?\s*$")]
    internal static partial Regex NameValueLine();
}
