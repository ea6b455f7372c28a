namespace RecoveryAssist.Server.Hosting;

/// <summary>Cells of the CSV reports: quoted when needed, and spreadsheet formulas defused.</summary>
internal static class CsvCell
{
    /// <summary>
    /// Quotes when the value holds a comma, quote or line break, and prefixes <c>'</c> to a value starting
    /// with <c>=</c>, <c>+</c>, <c>-</c> or <c>@</c> (names people control must not run as formulas).
    /// </summary>
    public static string Of(string? value)
    {
        if (string.IsNullOrEmpty(value))
            return "";
        var text = value[0] is '=' or '+' or '-' or '@' ? "'" + value : value;
        return text.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;
    }
}
