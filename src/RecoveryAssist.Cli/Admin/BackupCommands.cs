using System.CommandLine;
using RecoveryAssist.Cli.Remote;
using RecoveryAssist.Server.Features.Backup;

namespace RecoveryAssist.Cli.Admin;

/// <summary>
/// <c>recoveryassist admin backup</c> (online: the running appliance writes a consistent backup through its API)
/// and <c>admin restore</c> (offline: onto an empty data directory, the appliance stopped).
/// </summary>
internal static class BackupCommands
{
    public static Command Backup(CliConsole console)
    {
        var output = new Option<string>("--out") { Description = "The backup file to write (must not exist).", Required = true };
        var passphrase = new Option<bool>("--passphrase-stdin")
        {
            Description = "Seal under a passphrase read from standard input (the KEK travels inside, so the backup restores alone) instead of the KEK.",
        };
        var command = new Command("backup", "Back up the whole escrow from the running appliance (admin).") { output, passphrase };
        command.SetAction(async result =>
        {
            try
            {
                var file = result.GetValue(output)!;
                if (File.Exists(file))
                    throw new ApiException(ExitCodes.InvalidInput, $"{file} exists: choose a new file name");
                var secret = result.GetValue(passphrase) ? ReadPassphrase(console) : null;
                if (secret is not null && BackupKey.DescribeWeakPassphrase(secret) is { } weak)
                    throw new ApiException(ExitCodes.InvalidInput, weak);
                using var client = RemoteSettings.Client(result, timeout: TimeSpan.FromHours(1));
                var bytes = await client.PostToFileAsync(BackupEndpoints.Path, new { passphrase = secret }, file).ConfigureAwait(false);
                console.Output.WriteLine(secret is null
                    ? $"backup written to {file} ({bytes} bytes), sealed under the KEK: keep kek.key apart from it, both are needed to restore"
                    : $"backup written to {file} ({bytes} bytes), sealed under the passphrase (the KEK is inside): it restores with the passphrase alone");
                return ExitCodes.Success;
            }
            catch (ApiException e)
            {
                await console.Error.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
                return e.ExitCode;
            }
            catch (BackupException e)
            {
                await console.Error.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }
        });
        return command;
    }

    public static Command Restore(CliConsole console, Option<string> data)
    {
        var file = new Argument<string>("FILE") { Description = "The backup file." };
        var kekFile = new Option<string?>("--kek-file") { Description = "The KEK of a KEK-sealed backup (default: $RECOVERYASSIST_KEK, then $RECOVERYASSIST_KEK_FILE)." };
        var passphrase = new Option<bool>("--passphrase-stdin") { Description = "Read the passphrase of a passphrase-sealed backup from standard input." };
        var command = new Command("restore", "Restore a backup onto an empty data directory (the appliance stopped); checks everything before writing.")
        {
            file, data, kekFile, passphrase,
        };
        command.SetAction(result =>
        {
            try
            {
                var secret = result.GetValue(passphrase) ? ReadPassphrase(console) : null;
                var restored = BackupRestore.Restore(result.GetValue(file)!, result.GetValue(data)!, result.GetValue(kekFile), secret);
                console.Output.WriteLine($"restored the backup of {restored.Header.CreatedAt:u} into {Path.GetFullPath(result.GetValue(data)!)}: "
                    + $"{restored.Hosts} hosts, {restored.KeyVersions} key versions, {restored.AuditRecords} audit records (chain verified)");
                if (restored.KekWrittenTo is { } kek)
                    console.Output.WriteLine($"KEK {restored.Header.KekId} written to {kek}");
                return ExitCodes.Success;
            }
            catch (BackupException e)
            {
                console.Error.WriteLine($"error: {e.Message} Nothing was restored.");
                return ExitCodes.InvalidInput;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                console.Error.WriteLine($"error: {e.Message}");
                return ExitCodes.Failure;
            }
        });
        return command;
    }

    private static string ReadPassphrase(CliConsole console) =>
        console.Input.ReadLine()?.TrimEnd('\r') is { Length: > 0 } line
            ? line
            : throw new BackupException("--passphrase-stdin: expected the passphrase on the first line of standard input.");
}
