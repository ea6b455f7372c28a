using System.Text.Json;

namespace RecoveryAssist.Cli;

internal static class CliJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}
