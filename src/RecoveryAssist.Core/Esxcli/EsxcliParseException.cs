namespace RecoveryAssist.Core.Esxcli;

/// <summary>
/// Output of esxcli (or a PowerCLI export) that the parsers do not understand.
/// </summary>
/// <remarks>
/// The message is <c>line N: &lt;what was expected&gt;</c>. It is written by the parser alone: it never
/// quotes the input, whose lines may hold recovery keys, so it is safe to log and to show.
/// No inner exception is kept for the same reason (an XML parser's message quotes the input).
/// </remarks>
public sealed class EsxcliParseException : FormatException
{
    public EsxcliParseException(int? lineNumber, string expected)
        : base(lineNumber is { } n ? $"line {n}: {expected}" : expected)
    {
        LineNumber = lineNumber;
    }

    /// <summary>1-based line of the input where the problem is; null when it concerns no line.</summary>
    public int? LineNumber { get; }
}
