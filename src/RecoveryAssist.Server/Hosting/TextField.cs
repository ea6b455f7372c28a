namespace RecoveryAssist.Server.Hosting;

/// <summary>
/// The one check of free text at write time (host names, serials, tags, boot options, reasons, tickets,
/// notes, token names): bounded length and no control characters, so that nothing stored can break a
/// log line, a CSV cell, a boot.cfg line or a page, and no field can fill the disk.
/// </summary>
internal static class TextField
{
    public const int ShortLength = 128;
    public const int NoteLength = 1024;
    public const int KernelOptLength = 4096;

    /// <summary>Null when <paramref name="value"/> is acceptable; otherwise what is wrong, without echoing it.</summary>
    public static string? Describe(string? value, int maxLength, bool required = true)
    {
        if (string.IsNullOrWhiteSpace(value))
            return required ? $"required, 1 to {maxLength} printable characters" : null;
        if (value.Length > maxLength)
            return $"at most {maxLength} characters (got {value.Length})";
        if (value.Any(char.IsControl))
            return "control characters (line breaks, tabs, escapes) are not allowed";
        return null;
    }

    /// <summary>Throws a 400 naming <paramref name="field"/> when <paramref name="value"/> is not acceptable.</summary>
    public static void Require(string field, string? value, int maxLength, bool required = true)
    {
        if (Describe(value, maxLength, required) is { } problem)
            throw ProblemException.BadRequest("invalid-field", $"{field}: {problem}.");
    }
}
