namespace RecoveryAssist.Tftp.Files;

/// <summary>Checks a requested file name before any provider sees it. Pure. The names served
/// are keys of a virtual map, so anything that looks like a filesystem path trick is refused
/// outright rather than normalised.</summary>
internal static class TftpFileNameValidator
{
    /// <summary>Returns null when the name is acceptable, or the reason it is refused.</summary>
    public static string? Validate(string name, int maxLength)
    {
        if (name.Length == 0)
        {
            return "empty file name";
        }

        if (name.Length > maxLength)
        {
            return $"file name longer than {maxLength} characters";
        }

        foreach (char c in name)
        {
            if (c == '\0')
            {
                return "NUL in file name";
            }

            if (char.IsControl(c))
            {
                return "control character in file name";
            }

            if (c == '\\')
            {
                return "backslash in file name";
            }
        }

        if (name[0] == '/')
        {
            return "absolute path";
        }

        if (name.Length >= 2 && name[1] == ':' && char.IsAsciiLetter(name[0]))
        {
            return "absolute path";
        }

        foreach (string segment in name.Split('/'))
        {
            if (segment == "..")
            {
                return "'..' segment in file name";
            }
        }

        return null;
    }
}
