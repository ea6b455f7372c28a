using System.CommandLine;
using RecoveryAssist.Core.Keys;

namespace RecoveryAssist.Cli.Offline;

/// <summary><c>recoveryassist key check|generate</c>: work on a key without a server.</summary>
internal static class KeyCommands
{
    public static Command Build(CliConsole console)
    {
        var key = new Command("key", "Check or generate recovery keys offline.");
        key.Add(BuildCheck(console));
        key.Add(BuildGenerate(console));
        return key;
    }

    private static Command BuildCheck(CliConsole console)
    {
        var keyArgument = new Argument<string?>("KEY")
        {
            Description = "The key; read from standard input when omitted (preferred: an argument stays in shell history).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var groupCheck = CommonOptions.GroupCheck();
        var command = new Command("check", "Check a recovery key's shape and per-group check (the bare key, encryptionRecoveryKey=KEY, or the text to type); exit 1 and name each faulty group.")
        {
            keyArgument,
            groupCheck,
        };
        command.SetAction(result =>
        {
            // The bare key, encryptionRecoveryKey=<key>, or the whole text to type (leading space included).
            var text = ConsoleKeyText.KeyPart(result.GetValue(keyArgument) ?? console.Input.ReadToEnd());
            var analysis = RecoveryKey.Analyze(text);
            var warnOnly = result.GetValue(groupCheck) == KeyCheck.Warn && analysis.Groups is not null;
            foreach (var problem in analysis.Problems)
                console.Error.WriteLine(warnOnly ? $"warning: {problem}" : problem.ToString());
            if (analysis.Problems.Count > 0 && !warnOnly)
                return ExitCodes.InvalidInput;
            console.Output.WriteLine(analysis.Problems.Count == 0
                ? "valid: 16 groups, every group check passed"
                : "accepted: 16 groups, group check failures downgraded to warnings");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command BuildGenerate(CliConsole console)
    {
        var command = new Command("generate", "Print a new random key that passes the group check (for labs and tests; ESXi makes real keys).");
        command.SetAction(_ =>
        {
            console.Output.WriteLine(RecoveryKey.Generate().Reveal());
            return ExitCodes.Success;
        });
        return command;
    }
}
