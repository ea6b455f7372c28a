using System.Globalization;
using System.Security;
using System.Text;

namespace RecoveryAssist.EsxiSimulator.Output;

internal enum FieldKind
{
    String,
    Boolean,
    Integer,
}

/// <summary>One field of an esxcli structure. <see cref="Name"/> is the display name ("Recovery ID").</summary>
internal sealed record Field(string Name, string Value, FieldKind Kind = FieldKind.String)
{
    /// <summary>The name the machine formatters use: spaces removed ("RecoveryID").</summary>
    public string Key => Name.Replace(" ", "", StringComparison.Ordinal);

    public static Field Of(string name, bool value) => new(name, value ? "true" : "false", FieldKind.Boolean);

    public static Field Of(string name, long value) => new(name, value.ToString(CultureInfo.InvariantCulture), FieldKind.Integer);

    public static Field Of(string name, string value) => new(name, value);
}

internal sealed record Structure(string TypeName, IReadOnlyList<Field> Fields);

/// <summary>What an esxcli command returns before it is formatted: one structure, or a list of them.</summary>
internal abstract record EsxcliResult;

/// <param name="Header">A title line printed above the fields in text form ("Platform Information").</param>
internal sealed record StructureResult(Structure Value, string? Header = null) : EsxcliResult;

/// <param name="TextRenderer">Overrides the default table for the text form (recovery list).</param>
internal sealed record ListResult(string TypeName, IReadOnlyList<string> Columns, IReadOnlyList<Structure> Rows, Func<ListResult, string>? TextRenderer = null)
    : EsxcliResult;

/// <summary>
/// esxcli's output formatters. Shapes follow esxi-reference.md ("Output formats"): csv has a header of
/// field names without spaces, sorted, each followed by a comma; keyvalue is Type.Field.type=value
/// (lists: structure[N].Type.Field.type=value); xml is esxcli's output/root/list/structure document.
/// </summary>
internal static class EsxcliFormatter
{
    public const string XmlNamespace = "http://www.vmware.com/Products/ESX/5.0/esxcli";

    public static string Format(EsxcliResult result, string formatter) => formatter switch
    {
        "text" => Text(result),
        "csv" => Csv(result),
        "keyvalue" => KeyValue(result),
        "xml" => Xml(result),
        _ => throw new ArgumentOutOfRangeException(nameof(formatter), formatter, null),
    };

    public static string Text(EsxcliResult result)
    {
        switch (result)
        {
            case StructureResult s:
            {
                var text = new StringBuilder();
                if (s.Header is not null)
                    text.Append(s.Header).Append('\n');
                foreach (var field in s.Value.Fields)
                    text.Append("   ").Append(field.Name).Append(':').Append(field.Value.Length > 0 ? " " + field.Value : "").Append('\n');
                return text.ToString();
            }
            case ListResult l:
                return l.TextRenderer is not null ? l.TextRenderer(l) : Table(l);
            default:
                throw new ArgumentOutOfRangeException(nameof(result));
        }
    }

    /// <summary>esxcli's table: columns two spaces apart, a dash rule as wide as each column, integers right-aligned, the last column unpadded.</summary>
    public static string Table(ListResult list)
    {
        var columns = list.Columns;
        var widths = columns.Select(c => c.Length).ToArray();
        var cells = list.Rows.Select(row => columns.Select(c => row.Fields.First(f => f.Name == c)).ToArray()).ToList();
        foreach (var row in cells)
        {
            for (var i = 0; i < columns.Count; i++)
                widths[i] = Math.Max(widths[i], row[i].Value.Length);
        }

        // Integer columns are right-aligned, header included ("MAC Address         MTU  Description").
        var numeric = columns.Select((_, i) => cells.Count > 0 && cells.All(r => r[i].Kind == FieldKind.Integer)).ToArray();
        var text = new StringBuilder();
        AppendLine(text, columns.Select((c, i) => Pad(c, widths[i], right: numeric[i], last: i == columns.Count - 1)));
        AppendLine(text, widths.Select(w => new string('-', w)));
        foreach (var row in cells)
            AppendLine(text, row.Select((f, i) => Pad(f.Value, widths[i], right: f.Kind == FieldKind.Integer, last: i == columns.Count - 1)));
        return text.ToString();
    }

    private static void AppendLine(StringBuilder text, IEnumerable<string> cells) =>
        text.Append(string.Join("  ", cells)).Append('\n');

    private static string Pad(string value, int width, bool right, bool last) =>
        right ? value.PadLeft(width) : last ? value : value.PadRight(width);

    public static string Csv(EsxcliResult result)
    {
        var rows = Rows(result);
        var keys = SortedKeys(result);
        var text = new StringBuilder();
        foreach (var key in keys)
            text.Append(key).Append(',');
        text.Append('\n');
        foreach (var row in rows)
        {
            foreach (var key in keys)
                text.Append(CsvValue(row.Fields.First(f => f.Key == key).Value)).Append(',');
            text.Append('\n');
        }
        return text.ToString();
    }

    private static string CsvValue(string value) =>
        value.IndexOfAny([',', '"', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

    public static string KeyValue(EsxcliResult result)
    {
        var text = new StringBuilder();
        switch (result)
        {
            case StructureResult s:
                AppendKeyValues(text, "", s.Value);
                break;
            case ListResult l:
                for (var i = 0; i < l.Rows.Count; i++)
                    AppendKeyValues(text, $"structure[{i}].", l.Rows[i]);
                break;
        }
        return text.ToString();
    }

    private static void AppendKeyValues(StringBuilder text, string prefix, Structure structure)
    {
        foreach (var field in structure.Fields.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            text.Append(prefix).Append(structure.TypeName).Append('.').Append(field.Key).Append('.')
                .Append(TypeWord(field.Kind)).Append('=').Append(field.Value).Append('\n');
        }
    }

    public static string Xml(EsxcliResult result)
    {
        var text = new StringBuilder();
        text.Append("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        text.Append("<output xmlns=\"").Append(XmlNamespace).Append("\">\n");
        text.Append("<root>\n");
        switch (result)
        {
            case StructureResult s:
                AppendStructure(text, s.Value, "   ");
                break;
            case ListResult l:
                text.Append("   <list type=\"structure\">\n");
                foreach (var row in l.Rows)
                    AppendStructure(text, row, "      ");
                text.Append("   </list>\n");
                break;
        }
        text.Append("</root>\n");
        text.Append("</output>\n");
        return text.ToString();
    }

    private static void AppendStructure(StringBuilder text, Structure structure, string indent)
    {
        text.Append(indent).Append("<structure typeName=\"").Append(SecurityElement.Escape(structure.TypeName)).Append("\">\n");
        foreach (var field in structure.Fields.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            var word = TypeWord(field.Kind);
            text.Append(indent).Append("   <field name=\"").Append(field.Key).Append("\">")
                .Append('<').Append(word).Append('>').Append(SecurityElement.Escape(field.Value)).Append("</").Append(word).Append('>')
                .Append("</field>\n");
        }
        text.Append(indent).Append("</structure>\n");
    }

    private static string TypeWord(FieldKind kind) => kind switch
    {
        FieldKind.Boolean => "boolean",
        FieldKind.Integer => "integer",
        _ => "string",
    };

    private static IReadOnlyList<Structure> Rows(EsxcliResult result) => result switch
    {
        StructureResult s => [s.Value],
        ListResult l => l.Rows,
        _ => throw new ArgumentOutOfRangeException(nameof(result)),
    };

    // The header comes from the type's columns, so an empty list still prints it.
    private static List<string> SortedKeys(EsxcliResult result) => result switch
    {
        StructureResult s => s.Value.Fields.Select(f => f.Key).Order(StringComparer.Ordinal).ToList(),
        ListResult l => l.Columns.Select(c => c.Replace(" ", "", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList(),
        _ => throw new ArgumentOutOfRangeException(nameof(result)),
    };
}
