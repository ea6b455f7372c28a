using System.Globalization;
using RecoveryAssist.Core.Esxcli;
using RecoveryAssist.Server.Features.HostOps;
using RecoveryAssist.Server.Hosting;

namespace RecoveryAssist.Server.Features.Policy;

/// <summary>What a policy job changes: Mode TPM, and each requirement on, off, or left alone (null).</summary>
internal sealed record PolicyChange(bool ModeTpm, bool? RequireSecureBoot, bool? RequireExecInstalledOnly)
{
    public bool IsEmpty => !ModeTpm && RequireSecureBoot is null && RequireExecInstalledOnly is null;

    public override string ToString() =>
        string.Join(", ", new[]
        {
            ModeTpm ? "mode TPM" : null,
            RequireSecureBoot is { } sb ? "Require Secure Boot " + PolicyText.OnOff(sb) : null,
            RequireExecInstalledOnly is { } exec ? "Require Executables Only From Installed VIBs " + PolicyText.OnOff(exec) : null,
        }.OfType<string>());
}

/// <summary>The person's word on what the appliance cannot check or undo.</summary>
internal sealed record PolicyConfirmations(bool ConfirmIrreversible, bool TpmEnabledInFirmware, bool AcceptKnownTpmIssue);

/// <param name="Notes">What was asked but is already in place (left out of the plan).</param>
internal sealed record PolicyPlan(PolicyChange Change, IReadOnlyList<StepKind> Steps, IReadOnlyList<string> Warnings, IReadOnlyList<string> Notes);

/// <summary>
/// Plans a policy change in the order ESXi requires (esxi-reference.md, "TPM policy"), from what was
/// asked and what the host last reported. Pure: the steps themselves check the live host again before
/// they act, and skip what is already in place.
/// </summary>
/// <remarks>
/// Order: the key is escrowed and verified first; Mode TPM (TPM present, set, verify, escrow the new key,
/// auto-backup.sh, collect again); then disabling (exec before Secure Boot); then enabling (Secure Boot
/// before exec). Each change is verified with <c>encryption get</c>, persisted with <c>backup.sh 0</c>
/// and followed by reading the key again, since the configuration may be resealed. The kernel setting
/// execInstalledOnly is saved too, before the job waits for the reboot that makes it take effect.
/// </remarks>
internal static class PolicyPlanner
{
    private const string ModeKey = "policy.modeTpm";
    private const string SecureBootKey = "policy.requireSecureBoot";
    private const string ExecKey = "policy.requireExecInstalledOnly";
    private const string AcceptTpmKey = "policy.acceptKnownTpmIssue";
    private const string ForcedKey = "policy.forced";

    /// <summary>The boot time (its latest bound) recorded when execInstalledOnly was set, to see the reboot.</summary>
    public const string BootTimeKey = "policy.bootTime";

    /// <exception cref="ProblemException">400 naming every field that is wrong; 409 <c>tpm-known-to-fail</c>.</exception>
    public static PolicyPlan Plan(PolicySettings requested, PolicyConfirmations confirm, PolicyFacts facts)
    {
        ArgumentNullException.ThrowIfNull(requested);
        ArgumentNullException.ThrowIfNull(confirm);
        ArgumentNullException.ThrowIfNull(facts);
        var errors = new List<string>();
        var notes = new List<string>();
        if (requested.IsEmpty)
            errors.Add("give at least one of mode, requireSecureBoot, requireExecInstalledOnly");
        if (requested.Mode == ProtectionMode.None)
            errors.Add("mode: only tpm can be set (Mode TPM cannot be undone)");

        var modeTpm = requested.Mode == ProtectionMode.Tpm && facts.Mode != ProtectionMode.Tpm;
        if (requested.Mode == ProtectionMode.Tpm && !modeTpm)
            notes.Add("Mode is already TPM");
        bool? Changed(bool? asked, bool? current, string name)
        {
            if (asked is not { } value)
                return null;
            if (current == value)
            {
                notes.Add($"{name} is already {PolicyText.OnOff(value)}");
                return null;
            }
            return value;
        }
        var secureBoot = Changed(requested.RequireSecureBoot, facts.RequireSecureBoot, "Require Secure Boot");
        var exec = Changed(requested.RequireExecInstalledOnly, facts.RequireExecInstalledOnly, "Require Executables Only From Installed VIBs");

        var mode = modeTpm ? ProtectionMode.Tpm : facts.Mode;
        var effectiveSecureBoot = requested.RequireSecureBoot ?? facts.RequireSecureBoot;
        var effectiveExec = requested.RequireExecInstalledOnly ?? facts.RequireExecInstalledOnly;
        if (effectiveExec == true && effectiveSecureBoot == false)
        {
            errors.Add(requested.RequireExecInstalledOnly == true
                ? "requireExecInstalledOnly: on needs Require Secure Boot on, which ESXi requires first (add requireSecureBoot on, --require-secure-boot on)"
                : "requireSecureBoot: off needs Require Executables Only From Installed VIBs off first, which is on (add requireExecInstalledOnly off, --require-exec-installed-only off)");
        }
        if ((secureBoot == true || exec == true) && mode == ProtectionMode.None)
        {
            errors.Add((secureBoot == true ? "requireSecureBoot" : "requireExecInstalledOnly")
                + ": the requirements exist only in Mode TPM and the host is in Mode NONE (add mode tpm, --mode tpm --confirm-irreversible --tpm-enabled-in-firmware)");
        }
        if (modeTpm && !confirm.ConfirmIrreversible)
            errors.Add("confirmIrreversible: Mode TPM cannot be undone; confirm it (--confirm-irreversible)");
        if (modeTpm && !confirm.TpmEnabledInFirmware)
            errors.Add("tpmEnabledInFirmware: confirm that the TPM 2.0 is enabled in the host's firmware (--tpm-enabled-in-firmware)");
        if (errors.Count > 0)
            throw PolicyText.Invalid(errors);

        var warnings = new List<string>();
        if (modeTpm)
        {
            if (PolicyRules.KnownTpmIssue(facts.TpmVendor, facts.EsxiVersion) is { } issue)
            {
                if (!confirm.AcceptKnownTpmIssue)
                    throw ProblemException.Conflict("tpm-known-to-fail", $"{issue}: not tried. Update ESXi, or ask again with acceptKnownTpmIssue (--accept-tpm-risk) to try anyway.");
                warnings.Add(issue + "; trying anyway, as asked");
            }
            else if (facts.TpmVendor is null)
            {
                warnings.Add("the host does not report its TPM's vendor, so a TPM known to fail (NationZ, Infineon, Nuvoton NPCT75x on 7.0 U2; NationZ on 7.0 U3) cannot be told ahead: ESXi would refuse");
            }
            if (facts.TpmPresent == false)
                warnings.Add("the host reported no TPM when last read: the job will wait for the TPM to be enabled in firmware");
            warnings.Add("Mode TPM cannot be undone");
        }
        if (secureBoot == true && facts.FirmwareSecureBoot != true)
            warnings.Add("firmware Secure Boot was not reported Enabled: the job will wait for a person to enable it in firmware and reboot");
        if (exec == true && facts.ExecInstalledOnlyRuntime != true)
            warnings.Add("the job sets execInstalledOnly TRUE and then waits for a person to reboot the host");

        var change = new PolicyChange(modeTpm, secureBoot, exec);
        return new PolicyPlan(change, Steps(change), warnings, notes);
    }

    public static IReadOnlyList<StepKind> Steps(PolicyChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (change.IsEmpty)
            return [];
        var steps = new List<StepKind> { StepKind.CheckKeyEscrowed };
        if (change.ModeTpm)
        {
            // The new key is escrowed before anything persists it (ESXi also saves by itself, hourly), and read again after.
            steps.AddRange([StepKind.CheckTpmReady, StepKind.SetModeTpm, StepKind.VerifyPolicy, StepKind.RecollectKey, StepKind.BackupAfter, StepKind.RecollectKey]);
        }
        if (change.RequireExecInstalledOnly == false)
            steps.AddRange([StepKind.SetRequireExecInstalledOnly, StepKind.VerifyPolicy, StepKind.BackupNow, StepKind.RecollectKey]);
        if (change.RequireSecureBoot == false)
            steps.AddRange([StepKind.SetRequireSecureBoot, StepKind.VerifyPolicy, StepKind.BackupNow, StepKind.RecollectKey]);
        if (change.RequireSecureBoot == true)
            steps.AddRange([StepKind.CheckSecureBootReady, StepKind.SetRequireSecureBoot, StepKind.VerifyPolicy, StepKind.BackupNow, StepKind.RecollectKey]);
        if (change.RequireExecInstalledOnly == true)
        {
            // Saved before the job asks for a reboot: a power cut before an orderly reboot would lose the kernel setting.
            steps.AddRange([StepKind.SetExecInstalledOnlyOption, StepKind.BackupNow, StepKind.WaitForReboot, StepKind.SetRequireExecInstalledOnly,
                StepKind.VerifyPolicy, StepKind.BackupNow, StepKind.RecollectKey]);
        }
        return steps;
    }

    /// <summary>What <c>encryption get</c> must show at a verify step: the values set by the steps before it (null: not checked).</summary>
    public static PolicySettings ExpectedAt(IReadOnlyList<StepKind> steps, int index, PolicyChange change)
    {
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(change);
        ProtectionMode? mode = null;
        bool? secureBoot = null;
        bool? exec = null;
        foreach (var step in steps.Take(index))
        {
            switch (step)
            {
                case StepKind.SetModeTpm:
                    mode = ProtectionMode.Tpm;
                    break;
                case StepKind.SetRequireSecureBoot:
                    secureBoot = change.RequireSecureBoot;
                    break;
                case StepKind.SetRequireExecInstalledOnly:
                    exec = change.RequireExecInstalledOnly;
                    break;
            }
        }
        return new PolicySettings(mode, secureBoot, exec);
    }

    /// <summary>The values a policy job's steps read, kept in its context.</summary>
    public static Dictionary<string, string> Context(PolicyChange change, bool acceptKnownTpmIssue)
    {
        ArgumentNullException.ThrowIfNull(change);
        var context = new Dictionary<string, string>(StringComparer.Ordinal) { [ModeKey] = Text(change.ModeTpm) };
        if (change.RequireSecureBoot is { } secureBoot)
            context[SecureBootKey] = Text(secureBoot);
        if (change.RequireExecInstalledOnly is { } exec)
            context[ExecKey] = Text(exec);
        if (acceptKnownTpmIssue)
            context[AcceptTpmKey] = Text(true);
        return context;
    }

    /// <summary>An administrator forced the change past the key check (audited where it was decided).</summary>
    public static void MarkForced(IDictionary<string, string> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context[ForcedKey] = Text(true);
    }

    public static PolicyChange ChangeOf(JobRecord job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return new PolicyChange(Flag(job, ModeKey) == true, Flag(job, SecureBootKey), Flag(job, ExecKey));
    }

    public static bool AcceptsKnownTpmIssue(JobRecord job) => Flag(job, AcceptTpmKey) == true;

    public static bool IsForced(JobRecord job) => Flag(job, ForcedKey) == true;

    private static string Text(bool value) => value ? "true" : "false";

    private static bool? Flag(JobRecord job, string key) =>
        job.Context.TryGetValue(key, out var text) ? bool.Parse(text) : null;

    public static string Format(DateTime time) => time.ToString("O", CultureInfo.InvariantCulture);

    public static DateTime? ParseTime(JobRecord job, string key) =>
        job.Context.TryGetValue(key, out var text) && DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var time) ? time : null;
}
