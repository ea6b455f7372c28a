using RecoveryAssist.EndToEnd.Tests.HostOps;

namespace RecoveryAssist.EndToEnd.Tests.Policy;

/// <summary><c>recoveryassist</c> as a user runs it (a process), against the appliance, with an API token of a given role.</summary>
internal static class PolicyCli
{
    public static async Task<CliResult> RunAsync(HostOpsAppliance appliance, string token, params string[] args)
    {
        using var cli = appliance.Cli(token);
        return await cli.RunAsync(args);
    }
}
