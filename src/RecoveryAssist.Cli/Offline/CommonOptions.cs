using System.CommandLine;
using RecoveryAssist.Core.Keys;

namespace RecoveryAssist.Cli.Offline;

internal static class CommonOptions
{
    /// <summary>--group-check: the switch that downgrades the unconfirmed per-group check to a warning.</summary>
    public static Option<KeyCheck> GroupCheck() => new("--group-check")
    {
        Description = "Enforce the per-group check of recovery keys, or only warn (for a real key that disagrees with it).",
        DefaultValueFactory = _ => KeyCheck.Enforce,
    };

    public static Argument<string?> InputFile() => new("FILE")
    {
        Description = "File to read; standard input when omitted or '-'.",
        Arity = ArgumentArity.ZeroOrOne,
    };
}
