namespace RecoveryAssist.Core.Esxcli;

/// <summary>One line of input with its 1-based number, without the line break.</summary>
internal readonly record struct NumberedLine(int Number, string Text)
{
    public bool IsBlank => string.IsNullOrWhiteSpace(Text);
}

internal static class TextLines
{
    /// <summary>Splits on LF, CRLF or CR; drops a leading byte order mark (Windows exports carry one).</summary>
    public static IReadOnlyList<NumberedLine> Split(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > 0 && text[0] == '\uFEFF')
            text = text[1..];
        var parts = text.ReplaceLineEndings("\n").Split('\n');
        var lines = new NumberedLine[parts.Length];
        for (var i = 0; i < parts.Length; i++)
            lines[i] = new NumberedLine(i + 1, parts[i]);
        return lines;
    }

    /// <summary>The non-blank lines, in order.</summary>
    public static IReadOnlyList<NumberedLine> NonBlank(string text) =>
        Split(text).Where(l => !l.IsBlank).ToArray();

    /// <summary>The one non-blank line of a command that prints a single value.</summary>
    /// <param name="expected">What the line holds, for the error, e.g. "Enabled or Disabled, as secureBoot.py -s prints it".</param>
    /// <exception cref="EsxcliParseException">There is no such line, or more than one.</exception>
    public static NumberedLine Single(string text, string expected)
    {
        var lines = NonBlank(text);
        if (lines.Count != 1)
            throw new EsxcliParseException(lines.Count == 0 ? 1 : lines[1].Number, $"expected one line, {expected}, found {lines.Count}");
        return lines[0];
    }

    /// <summary>The number of the last non-blank line, or 1 for blank input (where "nothing" was found).</summary>
    public static int LastLineNumber(string text) =>
        NonBlank(text) is { Count: > 0 } lines ? lines[^1].Number : 1;
}
