using RecoveryAssist.Core.Esxcli;

namespace RecoveryAssist.Server.Features.Policy;

/// <summary>
/// A host's desired policy, every field decided, with where each came from (<c>host</c>,
/// <c>tag:&lt;tag&gt;</c>, <c>default</c> or <c>baseline</c>). <see cref="Conflicts"/> lists fields on
/// which the host's tags disagree; such a field falls back to the default (or baseline) until a host
/// policy decides it.
/// </summary>
internal sealed record ResolvedPolicy(
    bool RequireTpm,
    string ModeSource,
    bool RequireSecureBoot,
    string SecureBootSource,
    bool RequireExecInstalledOnly,
    string ExecSource,
    IReadOnlyList<string> Conflicts)
{
    public PolicySettings Settings => new(RequireTpm ? ProtectionMode.Tpm : ProtectionMode.None, RequireSecureBoot, RequireExecInstalledOnly);

    /// <summary>Combinations ESXi cannot hold (it enforces exec only with Secure Boot, and both only in Mode TPM).</summary>
    public IReadOnlyList<string> Inconsistencies()
    {
        var problems = new List<string>();
        if (RequireExecInstalledOnly && !RequireSecureBoot)
            problems.Add($"requireExecInstalledOnly on ({ExecSource}) with requireSecureBoot off ({SecureBootSource}): ESXi enforces exec only with Secure Boot");
        if ((RequireSecureBoot || RequireExecInstalledOnly) && !RequireTpm)
            problems.Add($"a requirement on with mode none ({ModeSource}): the requirements exist only in Mode TPM");
        return problems;
    }
}

/// <summary>Resolves desired policies: the host's own, then its tags', then the fleet default, then the baseline; field by field.</summary>
internal static class DesiredResolution
{
    public static ResolvedPolicy Resolve(PolicySettings? host, IReadOnlyList<(string Tag, PolicySettings Settings)> tags, PolicySettings? fleet)
    {
        ArgumentNullException.ThrowIfNull(tags);
        var conflicts = new List<string>();
        var mode = Field("mode", s => s.Mode, host, tags, fleet, PolicySettings.Baseline.Mode!.Value, conflicts, m => m == ProtectionMode.Tpm ? "tpm" : "none");
        var secureBoot = Field("requireSecureBoot", s => s.RequireSecureBoot, host, tags, fleet, PolicySettings.Baseline.RequireSecureBoot!.Value, conflicts, PolicyText.OnOff);
        var exec = Field("requireExecInstalledOnly", s => s.RequireExecInstalledOnly, host, tags, fleet, PolicySettings.Baseline.RequireExecInstalledOnly!.Value, conflicts, PolicyText.OnOff);
        return new ResolvedPolicy(mode.Value == ProtectionMode.Tpm, mode.Source, secureBoot.Value, secureBoot.Source, exec.Value, exec.Source, conflicts);
    }

    private static (T Value, string Source) Field<T>(
        string name,
        Func<PolicySettings, T?> get,
        PolicySettings? host,
        IReadOnlyList<(string Tag, PolicySettings Settings)> tags,
        PolicySettings? fleet,
        T baseline,
        List<string> conflicts,
        Func<T, string> describe)
        where T : struct
    {
        if (host is not null && get(host) is { } own)
            return (own, "host");
        var fromTags = tags.Where(t => get(t.Settings) is not null).Select(t => (t.Tag, Value: get(t.Settings)!.Value)).OrderBy(t => t.Tag, StringComparer.Ordinal).ToList();
        if (fromTags.Select(t => t.Value).Distinct().Count() > 1)
        {
            conflicts.Add($"{name}: tags disagree ({string.Join(", ", fromTags.Select(t => $"{t.Tag} {describe(t.Value)}"))})");
        }
        else if (fromTags.Count > 0)
        {
            return (fromTags[0].Value, "tag:" + string.Join(",", fromTags.Select(t => t.Tag)));
        }
        return fleet is not null && get(fleet) is { } fleetValue ? (fleetValue, "default") : (baseline, "baseline");
    }
}
