namespace RecoveryAssist.Core.Esxcli;

/// <summary>esxcli's output forms: the default text (table or "Name: value" lines) and its machine formatters.</summary>
public enum EsxcliFormat
{
    Table,
    Csv,
    KeyValue,
    Xml,
}

public static class EsxcliFormatDetector
{
    /// <summary>Tells the format by its first meaningful line.</summary>
    /// <exception cref="EsxcliParseException">The output is empty.</exception>
    public static EsxcliFormat Detect(string output)
    {
        var lines = TextLines.Split(output);
        var text = lines.Select(l => l.Text.Trim()).FirstOrDefault(t => t.Length > 0)
            ?? throw new EsxcliParseException(null, "the output is empty");
        if (text.StartsWith('<'))
            return EsxcliFormat.Xml;
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals > 0 && text[..equals].All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '[' or ']' or '_'))
            return EsxcliFormat.KeyValue;
        if (text.Contains(',', StringComparison.Ordinal) && !text.Contains(':', StringComparison.Ordinal))
            return EsxcliFormat.Csv;
        return EsxcliFormat.Table;
    }
}

/// <summary>Lines with their 1-based numbers, any line ending accepted.</summary>
internal static class TextLines
{
    public static IReadOnlyList<(int Number, string Text)> Split(string text) =>
        text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n')
            .Select((line, i) => (i + 1, line))
            .ToList();
}
