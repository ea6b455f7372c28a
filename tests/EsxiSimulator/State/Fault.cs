namespace RecoveryAssist.EsxiSimulator.State;

/// <summary>A failure injected into one host's next matching command(s).</summary>
public sealed class Fault
{
    /// <summary>
    /// Which command it hits: <c>*</c> for any, otherwise a prefix of the command as the simulator
    /// normalises it (tokens joined by one space, esxcli's global options such as --formatter removed),
    /// e.g. <c>esxcli system settings encryption recovery rotate</c> or <c>/sbin/auto-backup.sh</c>.
    /// </summary>
    public string Command { get; set; } = "*";

    public FaultKind Kind { get; set; }

    /// <summary>
    /// For <see cref="FaultKind.Hang"/> and <see cref="FaultKind.DropConnection"/>: whether the command
    /// acts (and its change is saved) before the fault strikes. Ignored for the other kinds:
    /// <see cref="FaultKind.Fail"/> never acts, <see cref="FaultKind.Garble"/> always does.
    /// </summary>
    public bool AfterAction { get; set; } = true;

    /// <summary>How many matching commands it hits before it disarms itself; null for every one.</summary>
    public int? Times { get; set; }

    /// <summary>For <see cref="FaultKind.Fail"/>: the text printed on stdout (default names the fault).</summary>
    public string? Message { get; set; }

    /// <summary>For <see cref="FaultKind.Fail"/>: the exit code.</summary>
    public int ExitCode { get; set; } = 1;

    public static Fault Fail(string command, string? message = null, int exitCode = 1, int? times = null) =>
        new() { Command = command, Kind = FaultKind.Fail, Message = message, ExitCode = exitCode, Times = times };

    public static Fault Hang(string command, bool afterAction = false, int? times = null) =>
        new() { Command = command, Kind = FaultKind.Hang, AfterAction = afterAction, Times = times };

    public static Fault Drop(string command, bool afterAction = true, int? times = null) =>
        new() { Command = command, Kind = FaultKind.DropConnection, AfterAction = afterAction, Times = times };

    public static Fault Garble(string command, int? times = null) =>
        new() { Command = command, Kind = FaultKind.Garble, Times = times };

    internal bool Matches(string normalizedCommand) =>
        Command == "*"
        || normalizedCommand == Command
        || normalizedCommand.StartsWith(Command + " ", StringComparison.Ordinal);
}

public enum FaultKind
{
    /// <summary>The command does nothing, prints the message and exits with the exit code.</summary>
    Fail,

    /// <summary>The command never answers: the session sleeps until the client gives up and the connection closes.</summary>
    Hang,

    /// <summary>The SSH connection drops without output or exit status (the sshd session process is killed).</summary>
    DropConnection,

    /// <summary>The command acts, then prints a mangled version of its output and exits 0.</summary>
    Garble,
}
