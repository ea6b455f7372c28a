using RecoveryAssist.Core.Keys;

namespace RecoveryAssist.Core.Esxcli;

/// <summary>Turns field text into values, with errors that name the line and never quote the text.</summary>
internal static class EsxcliValues
{
    public static RecoveryId ParseRecoveryId(FieldValue field) => ParseRecoveryId(field.Text, field.LineNumber);

    public static RecoveryId ParseRecoveryId(string? text, int lineNumber) =>
        RecoveryId.TryParse(text, out var id)
            ? id
            : throw new EsxcliParseException(lineNumber, "expected a Recovery ID, a GUID such as {2DDD5424-7F3F-406A-8DA8-D62630F6C8BC}");

    /// <param name="text">The key text.</param>
    /// <param name="lineNumber">The line the key starts on.</param>
    /// <param name="check">How strictly the per-group check applies.</param>
    /// <param name="lineOfGroup">For a key spread over lines: the line holding a 1-based group number.</param>
    public static RecoveryKey ParseKey(string? text, int lineNumber, KeyCheck check, Func<int, int>? lineOfGroup = null)
    {
        if (RecoveryKey.TryParse(text, check, out var key, out var problems))
            return key;
        // KeyProblem messages name groups and counts, never the key's digits.
        var firstGroup = problems.Select(p => p.GroupNumber).FirstOrDefault(g => g is not null);
        var line = firstGroup is { } g && lineOfGroup is not null ? lineOfGroup(g) : lineNumber;
        throw new EsxcliParseException(line,
            "expected a recovery key of 16 groups of 6 digits separated by dashes: " + string.Join("; ", problems));
    }

    public static bool ParseBoolean(FieldValue field, string name) =>
        field.Text?.Trim().ToUpperInvariant() switch
        {
            "TRUE" => true,
            "FALSE" => false,
            _ => throw new EsxcliParseException(field.LineNumber, $"expected true or false in the field \"{name}\""),
        };
}
