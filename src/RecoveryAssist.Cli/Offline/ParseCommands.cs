using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using RecoveryAssist.Core.Esxcli;
using RecoveryAssist.Core.Keys;

namespace RecoveryAssist.Cli.Offline;

/// <summary><c>recoveryassist parse recovery-list|encryption-get</c>: read esxcli output offline, print JSON.</summary>
internal static class ParseCommands
{
    public static Command Build(CliConsole console)
    {
        var parse = new Command("parse", "Read esxcli output (table, csv, keyvalue or xml) and print it as JSON.");
        parse.Add(BuildRecoveryList(console));
        parse.Add(BuildEncryptionGet(console));
        return parse;
    }

    private static Command BuildRecoveryList(CliConsole console)
    {
        var file = CommonOptions.InputFile();
        var showKey = new Option<bool>("--show-key") { Description = "Print the keys' digits (they are [redacted] otherwise)." };
        var groupCheck = CommonOptions.GroupCheck();
        var command = new Command("recovery-list", "Parse 'esxcli system settings encryption recovery list' output.")
        {
            file,
            showKey,
            groupCheck,
        };
        command.SetAction(result => Run(console, () =>
        {
            var entries = RecoveryListParser.Parse(console.ReadAllInput(result.GetValue(file)), check: result.GetValue(groupCheck));
            var reveal = result.GetValue(showKey);
            return entries.Select(e => new RecoveryListJson(e.RecoveryId.ToString(), reveal ? e.Key.Reveal() : RecoveryKey.Redacted)).ToArray();
        }));
        return command;
    }

    private static Command BuildEncryptionGet(CliConsole console)
    {
        var file = CommonOptions.InputFile();
        var command = new Command("encryption-get", "Parse 'esxcli system settings encryption get' output.") { file };
        command.SetAction(result => Run(console, () =>
        {
            var settings = EncryptionSettingsParser.Parse(console.ReadAllInput(result.GetValue(file)));
            return new EncryptionGetJson(
                settings.Mode == ProtectionMode.Tpm ? "TPM" : "NONE",
                settings.RequireSecureBoot,
                settings.RequireExecutablesOnlyFromInstalledVibs);
        }));
        return command;
    }

    private static int Run<T>(CliConsole console, Func<T> parse)
    {
        T value;
        try
        {
            value = parse();
        }
        catch (FormatException e)
        {
            console.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.InvalidInput;
        }
        console.Output.WriteLine(JsonSerializer.Serialize(value, CliJson.Options));
        return ExitCodes.Success;
    }

    private sealed record RecoveryListJson(string RecoveryId, string Key);

    private sealed record EncryptionGetJson(
        string Mode,
        bool RequireSecureBoot,
        [property: JsonPropertyName("requireExecutablesOnlyFromInstalledVibs")] bool RequireExecutablesOnlyFromInstalledVibs);
}
