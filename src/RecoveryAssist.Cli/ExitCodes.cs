namespace RecoveryAssist.Cli;

/// <summary>Exit codes every command keeps to, so that scripts can tell outcomes apart.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The input (a key, a file, a server's answer) was not valid; stderr says why.</summary>
    public const int InvalidInput = 1;

    /// <summary>The command could not run: unreadable file, server unreachable, refused.</summary>
    public const int Failure = 2;
}
