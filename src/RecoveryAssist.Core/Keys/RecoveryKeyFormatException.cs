namespace RecoveryAssist.Core.Keys;

/// <summary>
/// Thrown when text is not a valid recovery key. Its message lists the problems by group
/// number and never contains the key's digits.
/// </summary>
public sealed class RecoveryKeyFormatException : FormatException
{
    public RecoveryKeyFormatException(IReadOnlyList<KeyProblem> problems)
        : base(string.Join("; ", problems))
    {
        Problems = problems;
    }

    public IReadOnlyList<KeyProblem> Problems { get; }
}
