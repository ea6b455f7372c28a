using System.CommandLine;
using RecoveryAssist.Server.Offline;
using RecoveryAssist.Server.Storage;

namespace RecoveryAssist.Cli.Admin;

/// <summary>
/// <c>recoveryassist admin create|rotate-kek</c> and <c>audit verify</c>: work on the data
/// directory itself, with the appliance stopped (it holds the store open exclusively).
/// </summary>
internal static class AdminCommands
{
    public const string DataVariable = "RECOVERYASSIST_DATA";
    public const string KekFileVariable = "RECOVERYASSIST_KEK_FILE";

    public static IEnumerable<Command> Build(CliConsole console)
    {
        var admin = new Command("admin", "Administration: on the data directory with the appliance stopped; backup through the running appliance.");
        admin.Add(Create(console));
        admin.Add(RotateKek(console));
        admin.Add(BackupCommands.Backup(console));
        admin.Add(BackupCommands.Restore(console, DataOption()));
        yield return admin;

        var audit = new Command("audit", "The audit log.");
        audit.Add(Verify(console));
        yield return audit;
    }

    private static Option<string> DataOption() => new("--data")
    {
        Description = $"The data directory (default: ${DataVariable} or ./data).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(DataVariable) is { Length: > 0 } d ? d : "data",
    };

    private static string? KekFile() => Environment.GetEnvironmentVariable(KekFileVariable) is { Length: > 0 } f ? f : null;

    private static Command Create(CliConsole console)
    {
        var data = DataOption();
        var user = new Option<string>("--user") { Description = "The new administrator's name.", DefaultValueFactory = _ => "admin2" };
        var command = new Command("create", "Create an administrator with a one-time password, shown once.") { data, user };
        command.SetAction(result => Run(console, () =>
        {
            var password = OfflineAdmin.CreateAdmin(result.GetValue(data)!, KekFile(), result.GetValue(user)!);
            console.Output.WriteLine($"created administrator '{result.GetValue(user)}' with the one-time password: {password}");
            console.Output.WriteLine("it is shown only now and must be changed at first sign-in (recoveryassist passwd)");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command RotateKek(CliConsole console)
    {
        var data = DataOption();
        var command = new Command("rotate-kek", "Replace the key-encryption key: re-wrap every data key and re-encrypt the store.") { data };
        command.SetAction(result => Run(console, () =>
        {
            var (count, oldId, newId) = OfflineAdmin.RotateKek(result.GetValue(data)!, KekFile());
            console.Output.WriteLine($"rotated KEK {oldId} -> {newId}: {count} key versions re-wrapped, store re-encrypted; back up the new KEK file now");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Verify(CliConsole console)
    {
        var data = DataOption();
        var against = new Option<string?>("--against") { Description = "The audit sink's JSON-lines copy (RecoveryAssist:Audit:SinkFile): every record in it must be in the store with the same hash." };
        var command = new Command("verify", "Check the hash chain; name the first edited, deleted or reordered record.") { data, against };
        command.SetAction(result =>
        {
            try
            {
                var copy = result.GetValue(against);
                var (records, problem) = OfflineAdmin.VerifyAudit(result.GetValue(data)!, KekFile(), copy);
                if (problem is null)
                {
                    console.Output.WriteLine($"intact: {records} records, hash chain and head verified{(copy is null ? "" : ", and every record of the copy matches")}");
                    return ExitCodes.Success;
                }
                console.Error.WriteLine($"TAMPERED: {problem}");
                return ExitCodes.InvalidInput;
            }
            catch (StoreDamagedException e)
            {
                // A store whose records cannot be read is as much a failed verification as an edited one;
                // a wrong --data or KEK is not (the error below).
                console.Error.WriteLine("DAMAGED: " + e.Message);
                return ExitCodes.InvalidInput;
            }
            catch (StoreOpenException e)
            {
                console.Error.WriteLine("error: " + e.Message);
                return ExitCodes.Failure;
            }
            catch (IOException e)
            {
                console.Error.WriteLine("error: " + e.Message);
                return ExitCodes.Failure;
            }
        });
        return command;
    }

    private static int Run(CliConsole console, Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is StoreOpenException or InvalidOperationException)
        {
            console.Error.WriteLine("error: " + e.Message);
            return ExitCodes.Failure;
        }
    }
}
