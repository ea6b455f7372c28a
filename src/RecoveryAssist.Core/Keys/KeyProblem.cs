namespace RecoveryAssist.Core.Keys;

/// <summary>
/// One thing wrong with a recovery key as typed or pasted. The message never contains digits
/// of the key, so it is safe to log and to show to anyone.
/// </summary>
/// <param name="GroupNumber">1-based number of the faulty group, or null when the problem is the key as a whole.</param>
/// <param name="Message">What is wrong, in words a person at a console understands.</param>
public sealed record KeyProblem(int? GroupNumber, string Message)
{
    public override string ToString() => GroupNumber is { } n ? $"group {n}: {Message}" : Message;
}
