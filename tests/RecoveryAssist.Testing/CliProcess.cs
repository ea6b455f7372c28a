using System.Diagnostics;
using System.Text.Json;

namespace RecoveryAssist.Testing;

/// <summary>What one run of the command line printed, and its exit code.</summary>
internal sealed record CliResult(int ExitCode, string Output, string Error)
{
    public JsonElement Json => JsonDocument.Parse(Output).RootElement;

    public override string ToString() => $"exit {ExitCode}; stdout: {Output}; stderr: {Error}";
}

/// <summary>
/// The <c>recoveryassist</c> command line as a user runs it: a separate process (the build next to the test,
/// from a project reference to RecoveryAssist.Cli) pointed at an appliance, with a home directory of its own.
/// With <paramref name="ca"/> it trusts that certificate (<c>RECOVERYASSIST_CA</c>); without, it pins the
/// appliance's certificate on first contact into its own home, as a user's first run does.
/// </summary>
internal sealed class CliProcess(Uri server, string? token = null, string? ca = null) : IDisposable
{
    public string Home { get; } = Directory.CreateDirectory(TestDirectory.NewPath("ra-cli-home-")).FullName;

    /// <summary>The program to run (e.g. an installed <c>/usr/bin/recoveryassist</c>) instead of the build next to the tests.</summary>
    public string? Executable { get; init; }

    /// <summary>Where <c>recoveryassist login</c> keeps the token under this home.</summary>
    public string TokenFile => Path.Combine(Home, ".config", "recoveryassist", "token");

    /// <summary>Where the command line pins appliance certificates under this home.</summary>
    public string KnownServersFile => Path.Combine(Home, ".config", "recoveryassist", "known_servers");

    /// <summary>Runs the command line with <paramref name="input"/> on its standard input.</summary>
    public async Task<CliResult> RunWithInputAsync(string input, params string[] args)
    {
        var start = new ProcessStartInfo(Executable ?? "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (Executable is null)
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "recoveryassist.dll"));
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        start.Environment["HOME"] = Home;
        start.Environment.Remove("XDG_CONFIG_HOME");
        start.Environment["RECOVERYASSIST_SERVER"] = server.ToString();
        if (ca is null)
            start.Environment.Remove("RECOVERYASSIST_CA");
        else
            start.Environment["RECOVERYASSIST_CA"] = ca;
        if (token is null)
            start.Environment.Remove("RECOVERYASSIST_TOKEN");
        else
            start.Environment["RECOVERYASSIST_TOKEN"] = token;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return new CliResult(process.ExitCode, await output, await error);
    }

    public Task<CliResult> RunAsync(params string[] args) => RunWithInputAsync("", args);

    public void Dispose() => TestDirectory.Delete(Home);
}
