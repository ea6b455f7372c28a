using System.Text.RegularExpressions;

namespace RecoveryAssist.Core.Esxcli;

/// <summary>Tells which esxcli formatter produced a piece of output, from its first lines.</summary>
public static partial class EsxcliFormatDetector
{
    /// <summary>
    /// <see cref="EsxcliFormat.Xml"/> when the output starts with <c>&lt;</c>;
    /// <see cref="EsxcliFormat.KeyValue"/> when the first line is <c>[structure[N].]Type.Field.type=</c>;
    /// <see cref="EsxcliFormat.Csv"/> when the first line is field names separated by commas;
    /// <see cref="EsxcliFormat.Table"/> for a header over a dash ruler or <c>Name: value</c> lines.
    /// Only the shape is detected: the parser of the command still checks every line.
    /// </summary>
    /// <exception cref="EsxcliParseException">Nothing fits, or the output is empty.</exception>
    public static EsxcliFormat Detect(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var lines = TextLines.NonBlank(output);
        if (lines.Count == 0)
            throw new EsxcliParseException(1, "expected esxcli output, found nothing");

        var first = lines[0].Text.Trim();
        if (first.StartsWith('<'))
            return EsxcliFormat.Xml;
        if (FieldRecordReader.KeyValueLine().IsMatch(first))
            return EsxcliFormat.KeyValue;
        if (CsvLine.Split(first) is { } cells && FieldRecordReader.IsCsvHeader(cells))
            return EsxcliFormat.Csv;
        if (lines.Count > 1 && Ruler().IsMatch(lines[1].Text))
            return EsxcliFormat.Table;
        if (FieldRecordReader.NameValueLine().IsMatch(lines[0].Text))
            return EsxcliFormat.Table;
        if (lines.Count > 1 && Title().IsMatch(first) && FieldRecordReader.NameValueLine().IsMatch(lines[1].Text))
            return EsxcliFormat.Table;

        throw new EsxcliParseException(lines[0].Number,
            "expected esxcli output in table, csv, keyvalue or xml form (a header over a dash ruler, \"Name: value\" lines, a csv header, Type.Field.type=value lines, or <output>)");
    }

    [GeneratedRegex(@"^\s*-+(?:\s+-+)*\s*$")]
    internal static partial Regex Ruler();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9 ]*$")]
    private static partial Regex Title();
}
