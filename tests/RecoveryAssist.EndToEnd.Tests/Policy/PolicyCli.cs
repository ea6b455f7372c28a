using RecoveryAssist.Cli;
using RecoveryAssist.EndToEnd.Tests.HostOps;

namespace RecoveryAssist.EndToEnd.Tests.Policy;

/// <summary>
/// Runs <c>recoveryassist</c> in-process against the appliance. The token travels as it does for automation,
/// in RECOVERYASSIST_TOKEN (never a flag); the sshd collection runs one test at a time, and nothing else in
/// this assembly reads the variable.
/// </summary>
internal static class PolicyCli
{
    private static readonly SemaphoreSlim OneAtATime = new(1, 1);

    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(HostOpsAppliance appliance, string token, params string[] args)
    {
        await OneAtATime.WaitAsync();
        var previous = Environment.GetEnvironmentVariable("RECOVERYASSIST_TOKEN");
        try
        {
            Environment.SetEnvironmentVariable("RECOVERYASSIST_TOKEN", token);
            var output = new StringWriter();
            var error = new StringWriter();
            var exitCode = await RecoveryAssistCli.RunAsync([.. args, "--server", appliance.Address.ToString()], new CliConsole(new StringReader(""), output, error));
            return (exitCode, output.ToString(), error.ToString());
        }
        finally
        {
            Environment.SetEnvironmentVariable("RECOVERYASSIST_TOKEN", previous);
            OneAtATime.Release();
        }
    }
}
