using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace RecoveryAssist.Core.Esxcli;

/// <summary>One structure of esxcli output: its fields by normalised name, and the line it starts on.</summary>
internal sealed record FieldRecord(int LineNumber, IReadOnlyDictionary<string, (string Value, int Line)> Fields)
{
    public string? Get(string name) => Fields.TryGetValue(FieldRecords.Normalize(name), out var field) ? field.Value : null;

    public int LineOf(string name) => Fields.TryGetValue(FieldRecords.Normalize(name), out var field) ? field.Line : LineNumber;
}

/// <summary>
/// Reads esxcli's machine formats (csv, keyvalue, xml) into records of named fields, so that
/// each command's parser works by field name whatever the format and the structure type name.
/// </summary>
internal static class FieldRecords
{
    /// <summary>"Recovery ID", "RecoveryID" and "recoveryid" are the same field.</summary>
    public static string Normalize(string name) =>
        new(name.Where(c => !char.IsWhiteSpace(c) && c != '_').Select(char.ToLowerInvariant).ToArray());

    public static IReadOnlyList<FieldRecord> Read(string output, EsxcliFormat format) => format switch
    {
        EsxcliFormat.Csv => ReadCsv(output),
        EsxcliFormat.KeyValue => ReadKeyValue(output),
        EsxcliFormat.Xml => ReadXml(output),
        _ => throw new ArgumentOutOfRangeException(nameof(format), "The text form is parsed by each command's own reader."),
    };

    /// <summary>csv: a header of field names (spaces removed, each followed by a comma), then one row per structure.</summary>
    private static List<FieldRecord> ReadCsv(string output)
    {
        var lines = TextLines.Split(output).Where(l => l.Text.Trim().Length > 0).ToList();
        if (lines.Count == 0)
            throw new EsxcliParseException(null, "the output is empty");
        var header = CsvLine.Split(lines[0].Text, lines[0].Number);
        if (header.Count > 0 && header[^1].Length == 0)
            header.RemoveAt(header.Count - 1);
        if (header.Count == 0 || header.Any(h => h.Trim().Length == 0))
            throw new EsxcliParseException(lines[0].Number, "expected a csv header of field names");
        var records = new List<FieldRecord>();
        foreach (var (number, text) in lines.Skip(1))
        {
            var values = CsvLine.Split(text, number);
            if (values.Count > header.Count && values[^1].Length == 0)
                values.RemoveAt(values.Count - 1);
            if (values.Count != header.Count)
                throw new EsxcliParseException(number, $"expected {header.Count} fields as in the header, found {values.Count}");
            var fields = new Dictionary<string, (string, int)>(StringComparer.Ordinal);
            for (var i = 0; i < header.Count; i++)
                fields[Normalize(header[i])] = (values[i], number);
            records.Add(new FieldRecord(number, fields));
        }
        return records;
    }

    /// <summary>
    /// keyvalue: <c>Type.Field.type=value</c>, and for lists <c>structure[N].Type.Field.type=value</c>
    /// (or any <c>Name[N].</c> prefix). The field is the second-to-last dotted part, whatever the type name.
    /// </summary>
    private static List<FieldRecord> ReadKeyValue(string output)
    {
        var records = new SortedDictionary<int, (int Line, Dictionary<string, (string, int)> Fields)>();
        foreach (var (number, text) in TextLines.Split(output))
        {
            if (text.Trim().Length == 0)
                continue;
            var equals = text.IndexOf('=', StringComparison.Ordinal);
            var path = equals > 0 ? text[..equals].Trim().Split('.') : [];
            if (path.Length < 3 || path.Any(p => p.Length == 0))
                throw new EsxcliParseException(number, "expected <Type>.<Field>.<type>=value");
            var index = 0;
            var bracket = path[0].IndexOf('[', StringComparison.Ordinal);
            if (bracket >= 0)
            {
                if (!path[0].EndsWith(']') || !int.TryParse(path[0].AsSpan(bracket + 1, path[0].Length - bracket - 2), out index) || index < 0)
                    throw new EsxcliParseException(number, "expected a list index such as structure[0]");
            }
            if (!records.TryGetValue(index, out var record))
                records[index] = record = (number, new Dictionary<string, (string, int)>(StringComparer.Ordinal));
            record.Fields[Normalize(path[^2])] = (text[(equals + 1)..].Trim(), number);
        }
        if (records.Count == 0)
            throw new EsxcliParseException(null, "the output is empty");
        return records.Values.Select(r => new FieldRecord(r.Line, r.Fields)).ToList();
    }

    /// <summary>xml: every <c>structure</c> element (any typeName), its <c>field name="..."</c> children holding one typed value.</summary>
    private static List<FieldRecord> ReadXml(string output)
    {
        XDocument document;
        try
        {
            document = XDocument.Parse(output, LoadOptions.SetLineInfo);
        }
        catch (XmlException e)
        {
            throw new EsxcliParseException(e.LineNumber, "the XML is not well formed");
        }
        var structures = document.Descendants().Where(e => e.Name.LocalName == "structure").ToList();
        if (structures.Count == 0)
            throw new EsxcliParseException(Line(document.Root), "expected <structure> elements in the esxcli XML output");
        var records = new List<FieldRecord>();
        foreach (var structure in structures)
        {
            var fields = new Dictionary<string, (string, int)>(StringComparer.Ordinal);
            foreach (var field in structure.Elements().Where(e => e.Name.LocalName == "field"))
            {
                var name = field.Attribute("name")?.Value;
                if (string.IsNullOrWhiteSpace(name))
                    throw new EsxcliParseException(Line(field), "a <field> has no name attribute");
                var value = field.Elements().FirstOrDefault();
                fields[Normalize(name)] = ((value ?? field).Value.Trim(), Line(field) ?? 0);
            }
            records.Add(new FieldRecord(Line(structure) ?? 0, fields));
        }
        return records;
    }

    private static int? Line(XObject? node) => node is IXmlLineInfo info && info.HasLineInfo() ? info.LineNumber : null;
}

/// <summary>Splits one CSV line (RFC 4180 quoting: "" inside quotes is a quote).</summary>
internal static class CsvLine
{
    public static List<string> Split(string line, int lineNumber)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        var wasQuoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"' && field.ToString().Trim().Length == 0 && !wasQuoted)
            {
                quoted = wasQuoted = true;
                field.Clear();
            }
            else if (c == ',')
            {
                fields.Add(wasQuoted ? field.ToString() : field.ToString().Trim());
                field.Clear();
                wasQuoted = false;
            }
            else if (wasQuoted && !char.IsWhiteSpace(c))
            {
                throw new EsxcliParseException(lineNumber, $"unexpected text after a closing quote in field {fields.Count + 1}");
            }
            else if (!wasQuoted)
            {
                field.Append(c);
            }
        }
        if (quoted)
            throw new EsxcliParseException(lineNumber, $"a quote in field {fields.Count + 1} is not closed");
        fields.Add(wasQuoted ? field.ToString() : field.ToString().Trim());
        return fields;
    }
}
