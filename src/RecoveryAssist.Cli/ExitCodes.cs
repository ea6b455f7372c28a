namespace RecoveryAssist.Cli;

/// <summary>Exit codes every command keeps to, so that scripts can tell outcomes apart.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The input (a key, a file, a server's answer) was not valid; stderr says why.</summary>
    public const int InvalidInput = 1;

    /// <summary>The command could not run: unreadable file, server unreachable, refused; or the job it waited for failed.</summary>
    public const int Failure = 2;

    /// <summary>The job waited for is stopped until a person acts on the host (stderr says what); it goes on by itself afterwards.</summary>
    public const int NeedsPerson = 3;
}
