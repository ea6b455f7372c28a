using System.CommandLine;
using RecoveryAssist.Cli.Offline;

namespace RecoveryAssist.Cli;

/// <summary>The <c>recoveryassist</c> command tree.</summary>
internal static class RecoveryAssistCli
{
    public static RootCommand Build(CliConsole console)
    {
        var root = new RootCommand("RecoveryAssist: escrow and recovery of ESXi TPM recovery keys.");
        root.Add(KeyCommands.Build(console));
        root.Add(ParseCommands.Build(console));
        root.Add(DhcpSnippetCommand.Build(console));
        root.Add(Remote.RemoteSettings.Server);
        root.Add(Remote.RemoteSettings.Ca);
        foreach (var command in Remote.RemoteCommands.Build(console).Concat(Admin.AdminCommands.Build(console)))
            root.Add(command);
        return root;
    }

    public static async Task<int> RunAsync(string[] args, CliConsole console)
    {
        var root = Build(console);
        var configuration = new InvocationConfiguration { Output = console.Output, Error = console.Error, EnableDefaultExceptionHandler = false };
        try
        {
            return await root.Parse(args).InvokeAsync(configuration).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            await console.Error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        catch (UnauthorizedAccessException e)
        {
            await console.Error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
    }
}
