namespace RecoveryAssist.Core.Esxcli;

/// <summary>
/// Output that was not understood. The message names the line and what was expected; it never
/// echoes the input (a line may hold a recovery key).
/// </summary>
public sealed class EsxcliParseException : FormatException
{
    public EsxcliParseException(int? lineNumber, string problem)
        : base(lineNumber is { } n ? $"line {n}: {problem}" : problem)
    {
        LineNumber = lineNumber;
    }

    public int? LineNumber { get; }
}
