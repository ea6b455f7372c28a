using RecoveryAssist.Core.Esxcli;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Features.HostOps;
using RecoveryAssist.Server.Hosting;

namespace RecoveryAssist.Server.Features.Policy;

/// <summary>
/// A TPM policy, whole or in part: null fields are not specified (a desired policy inherits them; a
/// change leaves them as they are). <see cref="Mode"/> <see cref="ProtectionMode.None"/> in a desired
/// policy means "Mode TPM is not required" (a host without a usable TPM): Mode TPM is never undone.
/// </summary>
internal sealed record PolicySettings(ProtectionMode? Mode, bool? RequireSecureBoot, bool? RequireExecInstalledOnly)
{
    /// <summary>What a host is held to when no scope says otherwise: a hardened host, as the compliance report's baseline.</summary>
    public static readonly PolicySettings Baseline = new(ProtectionMode.Tpm, true, true);

    public bool IsEmpty => Mode is null && RequireSecureBoot is null && RequireExecInstalledOnly is null;

    public override string ToString() =>
        $"mode {Describe(Mode)}, requireSecureBoot {Describe(RequireSecureBoot)}, requireExecInstalledOnly {Describe(RequireExecInstalledOnly)}";

    private static string Describe(ProtectionMode? mode) => mode switch { ProtectionMode.Tpm => "tpm", ProtectionMode.None => "none", _ => "inherit" };

    private static string Describe(bool? value) => value switch { true => "on", false => "off", _ => "inherit" };
}

internal enum DesiredScope
{
    /// <summary>The whole fleet (overrides the built-in baseline).</summary>
    Default,

    /// <summary>Every host carrying a tag.</summary>
    Tag,

    /// <summary>One host: overrides its tags and the default.</summary>
    Host,
}

/// <summary>One scope's desired policy, as stored. Its id is <c>default</c>, <c>tag:&lt;tag&gt;</c> or <c>host:&lt;id&gt;</c>.</summary>
internal sealed class DesiredPolicyRecord
{
    public string Id { get; set; } = "";

    public DesiredScope Scope { get; set; }

    public string? Tag { get; set; }

    public Guid? HostId { get; set; }

    public ProtectionMode? Mode { get; set; }

    public bool? RequireSecureBoot { get; set; }

    public bool? RequireExecInstalledOnly { get; set; }

    public string UpdatedBy { get; set; } = "";

    public DateTime Updated { get; set; }

    [LiteDB.BsonIgnore]
    public PolicySettings Settings => new(Mode, RequireSecureBoot, RequireExecInstalledOnly);

    public static string MakeId(DesiredScope scope, string? tag, Guid? hostId) => scope switch
    {
        DesiredScope.Default => "default",
        DesiredScope.Tag => "tag:" + tag,
        _ => $"host:{hostId:N}",
    };
}

/// <summary>A desired policy as the API takes it: <c>mode</c> is <c>tpm</c>, <c>none</c> (not required) or absent (inherit).</summary>
internal sealed record DesiredPolicyInput(string? Mode, bool? RequireSecureBoot, bool? RequireExecInstalledOnly);

internal sealed record DesiredPolicyView(string Scope, string? Tag, Guid? HostId, string? HostName, string? Mode, bool? RequireSecureBoot, bool? RequireExecInstalledOnly, string UpdatedBy, DateTime Updated)
{
    public static DesiredPolicyView From(DesiredPolicyRecord r, string? hostName) => new(
        r.Scope.ToString().ToLowerInvariant(), r.Tag, r.HostId, hostName, PolicyText.Mode(r.Mode), r.RequireSecureBoot, r.RequireExecInstalledOnly, r.UpdatedBy, r.Updated);
}

/// <summary>
/// A change asked of one host. Absent fields stay as they are. <see cref="Mode"/> may only be <c>tpm</c>,
/// which cannot be undone: it needs <see cref="ConfirmIrreversible"/> and the operator's word that the TPM
/// is enabled in firmware (<see cref="TpmEnabledInFirmware"/>). <see cref="Force"/> (admin only, with a
/// <see cref="Reason"/>, audited) changes a host whose key is not escrowed and recently verified.
/// </summary>
internal sealed record PolicyChangeInput(
    string? Mode = null,
    bool? RequireSecureBoot = null,
    bool? RequireExecInstalledOnly = null,
    bool ConfirmIrreversible = false,
    bool TpmEnabledInFirmware = false,
    bool AcceptKnownTpmIssue = false,
    bool Force = false,
    string? Reason = null);

/// <summary>The host's policy as the planner and the report see it: what the last reads recorded.</summary>
internal sealed record PolicyFacts(
    ProtectionMode? Mode,
    bool? RequireSecureBoot,
    bool? RequireExecInstalledOnly,
    bool? ExecInstalledOnlyConfigured,
    bool? ExecInstalledOnlyRuntime,
    bool? FirmwareSecureBoot,
    bool? TpmPresent,
    string? TpmVendor,
    string? EsxiVersion,
    DateTime? PolicyRead)
{
    public static PolicyFacts From(HostRecord host)
    {
        var s = host.Security ?? new HostSecurity();
        return new PolicyFacts(s.Mode, s.RequireSecureBoot, s.RequireExecInstalledOnly, s.ExecInstalledOnlyConfigured, s.ExecInstalledOnlyRuntime,
            s.FirmwareSecureBoot, s.TpmPresent, s.TpmVendor, host.EsxiVersion, s.PolicyRead);
    }
}

/// <summary>Whether the escrow holds the key that protects the host now, and when it was last seen on the host.</summary>
/// <param name="RotationNotSaved">A rotated key is running whose save is not confirmed (the saved key still protects the next boot).</param>
internal sealed record KeyFacts(bool Escrowed, DateTime? LastVerified, bool RotationNotSaved = false)
{
    /// <summary>The same Recovery ID or key is escrowed for another host too (an import pasted to the wrong host, a clone).</summary>
    public bool SameKeyOnSeveralHosts { get; init; }

    /// <summary>The saved versions protect the host (<see cref="KeyReconciler.Saved"/>): current ones, and a used one until a newer one is saved.</summary>
    public static KeyFacts From(IEnumerable<KeyVersionRecord> versions)
    {
        var all = versions.ToList();
        var saved = KeyReconciler.Saved(all.Select(KeyVersionStore.Held)).Select(h => h.Version).ToHashSet();
        var protecting = all.Where(v => saved.Contains(v.Version)).ToList();
        return new KeyFacts(protecting.Count > 0, protecting.Count > 0 ? protecting.Max(v => v.LastVerified) : null, all.Any(v => v.Status == KeyStatus.Unsaved));
    }
}

/// <summary>A policy job that is not finished, as the report mentions it.</summary>
internal sealed record ActivePolicyJob(Guid Id, JobState State, string? Attention);

/// <summary>Everything the compliance check needs about one host.</summary>
/// <param name="Facts">What runs now, as last read.</param>
/// <param name="Saved">What the saved configuration (the next boot) has: <see cref="Facts"/> where no change is unsaved; null when nothing is.</param>
/// <param name="UnsavedBy">The job whose change is not saved yet.</param>
/// <param name="Refusal">ESXi's last refusal of a policy change on this host.</param>
internal sealed record HostPolicySnapshot(
    Guid HostId,
    string HostName,
    IReadOnlyList<string> Tags,
    PolicyFacts Facts,
    KeyFacts Key,
    bool HasSshAccess,
    ResolvedPolicy Desired,
    ActivePolicyJob? ActiveJob,
    PolicyFacts? Saved = null,
    Guid? UnsavedBy = null,
    PolicyRefusal? Refusal = null)
{
    /// <summary>The running facts with the saved values where a change is not saved yet.</summary>
    public static PolicyFacts? SavedFacts(PolicyFacts running, PolicySavedRecord? saved)
    {
        ArgumentNullException.ThrowIfNull(running);
        if (saved is not { HasUnsaved: true })
            return null;
        return running with
        {
            Mode = saved.Mode ?? running.Mode,
            RequireSecureBoot = saved.RequireSecureBoot ?? running.RequireSecureBoot,
            RequireExecInstalledOnly = saved.RequireExecInstalledOnly ?? running.RequireExecInstalledOnly,
            ExecInstalledOnlyConfigured = saved.ExecInstalledOnlyConfigured ?? running.ExecInstalledOnlyConfigured,
        };
    }
}

/// <summary>One policy field: what runs now and what the next boot will have.</summary>
internal sealed record PolicyFieldView(string Field, string? Running, string? Saved, bool IsSaved)
{
    public static IReadOnlyList<PolicyFieldView> From(PolicyFacts running, PolicyFacts? saved)
    {
        ArgumentNullException.ThrowIfNull(running);
        var next = saved ?? running;
        PolicyFieldView Field(string name, string? now, string? atBoot) => new(name, now, atBoot, now == atBoot);
        return
        [
            Field("mode", PolicyText.Mode(running.Mode), PolicyText.Mode(next.Mode)),
            Field("requireSecureBoot", OnOff(running.RequireSecureBoot), OnOff(next.RequireSecureBoot)),
            Field("requireExecInstalledOnly", OnOff(running.RequireExecInstalledOnly), OnOff(next.RequireExecInstalledOnly)),
            Field("execInstalledOnlyConfigured", OnOff(running.ExecInstalledOnlyConfigured), OnOff(next.ExecInstalledOnlyConfigured)),
        ];
    }

    private static string? OnOff(bool? value) => value is { } v ? PolicyText.OnOff(v) : null;
}

internal enum FindingSeverity
{
    /// <summary>Worth knowing (a reboot pending); the host is still compliant.</summary>
    Info,

    /// <summary>The host does not meet its desired policy, or the appliance cannot tell.</summary>
    Problem,

    /// <summary>The host will not boot without its key at the next reboot, as things stand.</summary>
    Danger,
}

/// <param name="Code">A stable name, e.g. <c>secure-boot-not-enforced</c>.</param>
/// <param name="NextStep">What a person (or the appliance, when told) does about it, as one actionable sentence.</param>
internal sealed record PolicyFinding(string Code, FindingSeverity Severity, string Problem, string NextStep);

/// <param name="Next">The one thing to do next for this host; null when compliant with nothing to do.</param>
internal sealed record HostCompliance(bool Compliant, IReadOnlyList<PolicyFinding> Findings, string? Next);

internal sealed record DesiredView(string Mode, string ModeSource, bool RequireSecureBoot, string RequireSecureBootSource,
    bool RequireExecInstalledOnly, string RequireExecInstalledOnlySource, IReadOnlyList<string> Conflicts)
{
    public static DesiredView From(ResolvedPolicy d) => new(d.RequireTpm ? "tpm" : "none", d.ModeSource, d.RequireSecureBoot, d.SecureBootSource,
        d.RequireExecInstalledOnly, d.ExecSource, d.Conflicts);
}

internal sealed record FindingView(string Code, string Severity, string Problem, string NextStep)
{
    public static FindingView From(PolicyFinding f) => new(f.Code, f.Severity.ToString().ToLowerInvariant(), f.Problem, f.NextStep);
}

/// <summary>One host in the compliance report (and in <c>policy show</c>).</summary>
internal sealed record HostPolicyView(
    Guid HostId,
    string HostName,
    IReadOnlyList<string> Tags,
    bool Compliant,
    string? Next,
    PolicyFacts Facts,
    DesiredView Desired,
    bool KeyEscrowed,
    DateTime? KeyLastVerified,
    Guid? ActiveJobId,
    IReadOnlyList<FindingView> Findings,
    PolicyFacts Saved,
    IReadOnlyList<PolicyFieldView> Fields)
{
    /// <summary>Whether the next boot has what runs now (no change waits for its save).</summary>
    public bool PolicySaved => Fields.All(f => f.IsSaved);

    /// <summary>rotation-not-saved: a rotated key is running but its save is not confirmed; the escrow reveals the saved one.</summary>
    public bool RotationNotSaved { get; init; }

    /// <summary>same-key-on-several-hosts: the escrow holds this host's Recovery ID or key for another host too.</summary>
    public bool SameKeyOnSeveralHosts { get; init; }

    public static HostPolicyView From(HostPolicySnapshot s, HostCompliance c) => new(
        s.HostId, s.HostName, s.Tags, c.Compliant, c.Next, s.Facts, DesiredView.From(s.Desired),
        s.Key.Escrowed, s.Key.LastVerified, s.ActiveJob?.Id, c.Findings.Select(FindingView.From).ToList(),
        s.Saved ?? s.Facts, PolicyFieldView.From(s.Facts, s.Saved))
    {
        RotationNotSaved = s.Key.RotationNotSaved,
        SameKeyOnSeveralHosts = s.Key.SameKeyOnSeveralHosts,
    };
}

/// <param name="Plan">What <c>policy apply</c> would do now, from the last facts; empty when nothing differs.</param>
internal sealed record PolicyShowView(HostPolicyView Host, IReadOnlyList<StepKind> Plan, IReadOnlyList<string> PlanNotes);

internal sealed record PolicyReportSummary(int Hosts, int Compliant, int ModeNone, int SecureBootNotEnforced, int ExecNotEnforced, int KeyNotEscrowed, int NeedsPerson, int BootAtRisk,
    int NotSaved = 0)
{
    /// <summary>Hosts with a rotated key whose save is not confirmed.</summary>
    public int RotationNotSaved { get; init; }

    /// <summary>Hosts whose Recovery ID or key is escrowed for another host too.</summary>
    public int SameKeyOnSeveralHosts { get; init; }
}

internal sealed record PolicyReport(DateTime Generated, int KeyVerifiedWithinHours, PolicyReportSummary Summary, IReadOnlyList<HostPolicyView> Hosts);

/// <param name="Summary">What was started, or why nothing was.</param>
/// <param name="Warnings">What the person asking should know (a TPM known to fail, a step that will wait for them).</param>
internal sealed record PolicyChangeView(string Summary, IReadOnlyList<StepKind> Plan, IReadOnlyList<string> Warnings, JobView? Job);

internal static class PolicyText
{
    public static string? Mode(ProtectionMode? mode) => mode switch
    {
        ProtectionMode.Tpm => "tpm",
        ProtectionMode.None => "none",
        _ => null,
    };

    public static string OnOff(bool value) => value ? "on" : "off";

    /// <summary>The API's mode text: <c>tpm</c> or <c>none</c> (any case); null stays null.</summary>
    public static ProtectionMode? ParseMode(string? text, string field, ICollection<string> errors)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case null or "":
                return null;
            case "tpm":
                return ProtectionMode.Tpm;
            case "none":
                return ProtectionMode.None;
            default:
                errors.Add($"{field}: expected tpm or none");
                return null;
        }
    }

    public static ProblemException Invalid(IReadOnlyCollection<string> errors) =>
        ProblemException.BadRequest("invalid-policy", string.Join("; ", errors) + ".");
}
