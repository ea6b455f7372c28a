namespace RecoveryAssist.Cli;

/// <summary>The streams a command reads and writes, so that tests drive commands without a process.</summary>
internal sealed record CliConsole(TextReader Input, TextWriter Output, TextWriter Error)
{
    public static CliConsole Standard => new(Console.In, Console.Out, Console.Error);

    /// <summary>The text of a FILE argument, or of standard input when none is given (or it is "-").</summary>
    public string ReadAllInput(string? path) =>
        path is null or "-" ? Input.ReadToEnd() : File.ReadAllText(path);
}
