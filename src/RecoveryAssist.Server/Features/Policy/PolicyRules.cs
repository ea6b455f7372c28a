using RecoveryAssist.Core.Esxcli;

namespace RecoveryAssist.Server.Features.Policy;

/// <summary>What the host looks like when ESXi refuses a change: read again right after the refusal.</summary>
internal sealed record LiveState(
    ProtectionMode Mode,
    bool RequireSecureBoot,
    bool RequireExecInstalledOnly,
    bool? ExecInstalledOnlyRuntime,
    bool? FirmwareSecureBoot,
    bool? TpmPresent,
    string? TpmVendor,
    string? EsxiVersion);

/// <summary>The change a policy step makes, for messages.</summary>
internal enum PolicyChangeKind
{
    ModeTpm,
    RequireSecureBootOn,
    RequireSecureBootOff,
    RequireExecInstalledOnlyOn,
    RequireExecInstalledOnlyOff,
}

/// <summary>
/// ESXi's rules for the TPM policy (esxi-reference.md, "TPM policy"), as pure functions: known-failing
/// TPMs, what a person must do where the appliance cannot act, and what a refusal means.
/// </summary>
internal static class PolicyRules
{
    /// <summary>The text ESXi answers a refused <c>encryption set</c> with.</summary>
    public const string RefusalText = "Unable to change the encryption mode and policy";

    public const string EnableTpm =
        "enable the TPM 2.0 in the host's firmware (BIOS/UEFI setup) and boot the host: ESXi reports no TPM (trustedboot get: Tpm Present false); the job goes on when the host reports it";

    public const string EnableSecureBoot =
        "enable Secure Boot in firmware and reboot: shut the host down (maintenance mode first), turn UEFI Secure Boot on in its firmware, boot it; "
        + "the job goes on when secureBoot.py -s reports Enabled";

    public const string RebootRequired =
        "reboot required: execInstalledOnly is TRUE for the next boot only; put the host in maintenance mode and reboot it; the job goes on when it is back with execInstalledOnly TRUE at runtime";

    public const string NotAnswering = " (the host does not answer SSH now: rebooting?)";

    public static bool IsRefusal(string output) => output.Contains(RefusalText, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// TPMs that fail <c>set --mode=TPM</c> although enabled (esxi-reference.md): NationZ (NTZ), Infineon
    /// (IFX) and Nuvoton (NTC, NPCT75x models) on 7.0 U2; NationZ on 7.0 U3. The TPM model is never
    /// reported, so any Nuvoton TPM on 7.0 U2 is warned about.
    /// </summary>
    /// <param name="vendor">The TCG vendor id or name as reported; null when the host does not report it.</param>
    /// <param name="version">The ESXi version, e.g. <c>7.0.2</c> (7.0 Update 2).</param>
    /// <returns>The warning, or null when nothing is known against this TPM on this release.</returns>
    public static string? KnownTpmIssue(string? vendor, string? version)
    {
        var update = Update70(version);
        var maker = Maker(vendor);
        if (update is null || maker is null)
            return null;
        return (maker, update) switch
        {
            ("NationZ", 2 or 3) => $"NationZ TPMs are known to fail set --mode=TPM on ESXi 7.0 U{update} (this host runs {version})",
            ("Infineon", 2) => $"Infineon TPMs are known to fail set --mode=TPM on ESXi 7.0 U2 (this host runs {version})",
            ("Nuvoton", 2) => $"Nuvoton NPCT75x TPMs are known to fail set --mode=TPM on ESXi 7.0 U2 (this host runs {version}; the TPM model is not reported)",
            _ => null,
        };
    }

    private static int? Update70(string? version)
    {
        var parts = (version ?? "").Split('.');
        return parts.Length >= 3 && parts[0] == "7" && parts[1] == "0" && int.TryParse(parts[2], System.Globalization.CultureInfo.InvariantCulture, out var update) ? update : null;
    }

    private static string? Maker(string? vendor) => vendor?.Trim().ToUpperInvariant() switch
    {
        "NTZ" or "NATIONZ" => "NationZ",
        "IFX" or "INFINEON" => "Infineon",
        "NTC" or "NUVOTON" => "Nuvoton",
        _ => null,
    };

    /// <summary>
    /// A refusal as a job failure that names the prerequisite ESXi documents and the host does not meet,
    /// as read right after the refusal; when every documented prerequisite looks met, it says so.
    /// </summary>
    public static string ExplainRefusal(PolicyChangeKind change, LiveState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var unmet = new List<string>();
        switch (change)
        {
            case PolicyChangeKind.ModeTpm:
                if (state.TpmPresent == false)
                    unmet.Add("the host reports no TPM (Tpm Present false): enable the TPM 2.0 in firmware");
                if (KnownTpmIssue(state.TpmVendor, state.EsxiVersion) is { } issue)
                    unmet.Add(issue);
                if (unmet.Count == 0)
                {
                    unmet.Add("a TPM 2.0 that ESXi can use" + (state.TpmVendor is null ? " (the host does not report the TPM's vendor; " : $" (vendor {state.TpmVendor}; ")
                        + "NationZ, Infineon and Nuvoton NPCT75x TPMs fail on 7.0 U2 and NationZ on 7.0 U3"
                        + (state.EsxiVersion is null ? ")" : $"; this host runs {state.EsxiVersion})"));
                }
                return $"ESXi refused set --mode=TPM. Unmet prerequisite: {string.Join("; ", unmet)}";
            case PolicyChangeKind.RequireSecureBootOn:
                if (state.Mode != ProtectionMode.Tpm)
                    unmet.Add("Mode TPM (the host is in Mode NONE)");
                if (state.FirmwareSecureBoot != true)
                    unmet.Add($"UEFI Secure Boot on in the firmware (secureBoot.py -s: {Reported(state.FirmwareSecureBoot, "Enabled", "Disabled")})");
                return Refused("set --require-secure-boot=T", unmet, "Mode TPM and UEFI Secure Boot on in the firmware");
            case PolicyChangeKind.RequireExecInstalledOnlyOn:
                if (state.Mode != ProtectionMode.Tpm)
                    unmet.Add("Mode TPM (the host is in Mode NONE)");
                if (!state.RequireSecureBoot)
                    unmet.Add("Require Secure Boot true (it is false)");
                if (state.ExecInstalledOnlyRuntime != true)
                    unmet.Add($"execInstalledOnly TRUE at runtime, i.e. set and then rebooted (runtime: {Reported(state.ExecInstalledOnlyRuntime, "TRUE", "FALSE")})");
                return Refused("set --require-exec-installed-only=T", unmet, "Mode TPM, Require Secure Boot true and execInstalledOnly TRUE at runtime");
            case PolicyChangeKind.RequireSecureBootOff:
                if (state.RequireExecInstalledOnly)
                    unmet.Add("Require Executables Only From Installed VIBs off first (it is on)");
                return Refused("set --require-secure-boot=F", unmet, "nothing documented");
            default:
                return Refused("set --require-exec-installed-only=F", unmet, "nothing documented");
        }
    }

    private static string Refused(string command, List<string> unmet, string documented) => unmet.Count > 0
        ? $"ESXi refused {command}. Unmet prerequisite: {string.Join("; ", unmet)}"
        : $"ESXi refused {command} although what it documents as prerequisites ({documented}) appears met as read now: check the host's logs (vmkernel.log, hostd.log)";

    private static string Reported(bool? value, string on, string off) => value switch
    {
        true => on,
        false => off,
        _ => "not read",
    };
}
