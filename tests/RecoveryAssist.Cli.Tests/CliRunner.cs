namespace RecoveryAssist.Cli.Tests;

/// <summary>Runs the command line in-process with its own streams.</summary>
internal static class CliRunner
{
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(string? input, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var console = new CliConsole(new StringReader(input ?? ""), output, error);
        var exitCode = await RecoveryAssistCli.RunAsync(args, console);
        return (exitCode, output.ToString(), error.ToString());
    }

    public static string Fixture(string relativePath) => Path.Combine(AppContext.BaseDirectory, "Fixtures", relativePath);
}
