using RecoveryAssist.Server.Features.Policy;

namespace RecoveryAssist.Server.Features.Web;

/// <summary>The three choices of a desired-policy form: each may be left to the wider scope ("inherit").</summary>
internal static class DesiredPolicyForm
{
    public static DesiredPolicyInput Input(string? mode, string? requireSecureBoot, string? requireExecInstalledOnly) =>
        new(mode is "tpm" or "none" ? mode : null, Flag(requireSecureBoot), Flag(requireExecInstalledOnly));

    private static bool? Flag(string? value) => value switch
    {
        "yes" => true,
        "no" => false,
        _ => null,
    };

    /// <summary>How a desired setting reads in a table: "inherit" when the scope leaves it to the wider one.</summary>
    public static string Text(bool? value) => value switch
    {
        true => "required",
        false => "not required",
        _ => "inherit",
    };

    public static string ModeText(string? mode) => mode switch
    {
        "tpm" => "TPM",
        "none" => "none",
        _ => "inherit",
    };
}
