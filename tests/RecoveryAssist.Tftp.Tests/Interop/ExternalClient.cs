using System.Diagnostics;

namespace RecoveryAssist.Tftp.Tests.Interop;

/// <summary>Finds and runs a real TFTP client. A missing client skips the test on a
/// developer machine (with the package to install in the message) and fails it in CI,
/// where the test script must have installed it.</summary>
internal static class ExternalClient
{
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string? Find(string executable) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/sbin")
            .Select(directory => Path.Combine(directory, executable))
            .FirstOrDefault(File.Exists);

    public static string SkipReason(string executable, string package) =>
        Find(executable) is null && !InCi
            ? $"TFTP client '{executable}' is not installed (apt-get install {package}); CI=true turns this skip into a failure."
            : "";

    /// <summary>Runs the client and returns its exit code and output; fails on a hang.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string executable, string package, IEnumerable<string> arguments, TimeSpan limit)
    {
        string path = Find(executable)
            ?? throw new InvalidOperationException($"TFTP client '{executable}' is missing: install the Debian package '{package}'.");
        var start = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{executable} {string.Join(' ', start.ArgumentList)} did not finish within {limit}.");
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}

/// <summary>A theory that needs the named client; see <see cref="ExternalClient"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ClientTheoryAttribute : TheoryAttribute
{
    public ClientTheoryAttribute(string executable, string package)
    {
        string reason = ExternalClient.SkipReason(executable, package);
        if (reason.Length > 0)
        {
            Skip = reason;
        }
    }
}
