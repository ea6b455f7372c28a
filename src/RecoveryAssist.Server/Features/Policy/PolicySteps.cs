using Microsoft.Extensions.Options;
using RecoveryAssist.Core.Esxcli;
using RecoveryAssist.Server.Features.Alerts;
using RecoveryAssist.Server.Features.Audit;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Features.HostOps;

namespace RecoveryAssist.Server.Features.Policy;

/// <summary>
/// The steps of policy jobs, against the host (the edge). Every step reads the live host first and does
/// nothing when its change is already in place, so a step run again after a dropped connection or a
/// restart is safe. Each change is audited before it is made: no audit record, no change. A refusal by
/// ESXi fails the job with the prerequisite it names; a step that needs a person waits, and looks again
/// every <see cref="PolicyOptions.RecheckSeconds"/> (or when resumed).
/// </summary>
internal sealed class PolicySteps(AuditLog audit, PolicySavedStore saved, IOptions<PolicyOptions> options, ILogger<PolicySteps> logger) : IJobStepHandler
{
    private readonly PolicyOptions _options = options.Value;

    public bool Handles(StepKind kind) => kind is StepKind.CheckKeyEscrowed or StepKind.CheckTpmReady or StepKind.SetModeTpm
        or StepKind.CheckSecureBootReady or StepKind.SetRequireSecureBoot or StepKind.SetExecInstalledOnlyOption or StepKind.WaitForReboot
        or StepKind.SetRequireExecInstalledOnly or StepKind.VerifyPolicy or StepKind.RecollectKey;

    public Task<StepOutcome> ExecuteAsync(StepContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Step.Kind switch
        {
            StepKind.CheckKeyEscrowed => CheckKeyEscrowedAsync(context),
            StepKind.CheckTpmReady => WhileWaitingAsync(context, PolicyRules.EnableTpm, () => CheckTpmReadyAsync(context)),
            StepKind.SetModeTpm => SetModeTpmAsync(context),
            StepKind.CheckSecureBootReady => WhileWaitingAsync(context, PolicyRules.EnableSecureBoot, () => CheckSecureBootReadyAsync(context)),
            StepKind.SetRequireSecureBoot => SetRequireSecureBootAsync(context),
            StepKind.SetExecInstalledOnlyOption => SetExecInstalledOnlyOptionAsync(context),
            StepKind.WaitForReboot => WhileWaitingAsync(context, PolicyRules.RebootRequired, () => WaitForRebootAsync(context)),
            StepKind.SetRequireExecInstalledOnly => SetRequireExecInstalledOnlyAsync(context),
            StepKind.VerifyPolicy => VerifyAsync(context),
            StepKind.RecollectKey => RecollectKeyAsync(context),
            var other => throw new InvalidOperationException($"PolicySteps does not run {other}."),
        };
    }

    /// <summary>
    /// While a step waits for a person the host may be down (they are in its firmware, or rebooting it):
    /// that is still waiting, not a failure. A reboot step waits through it from the start.
    /// </summary>
    private async Task<StepOutcome> WhileWaitingAsync(StepContext c, string attention, Func<Task<StepOutcome>> check)
    {
        try
        {
            return await check().ConfigureAwait(false);
        }
        catch (HostUnreachableException) when (c.Job.Attention is not null || c.Step.Kind == StepKind.WaitForReboot)
        {
            return StepOutcome.NeedsPerson(attention + PolicyRules.NotAnswering, _options.Recheck);
        }
    }

    private static Task<(EncryptionSettings Settings, KernelSetting Kernel)> ReadAsync(StepContext c) =>
        c.Host.ReadPolicyAsync(c.Job, c.Session, c.Stopping);

    private static async Task<StepOutcome> CheckKeyEscrowedAsync(StepContext c)
    {
        try
        {
            var outcome = await c.Host.CollectKeysAsync(c.Job, c.Session, KeySource.Collected, c.Stopping).ConfigureAwait(false);
            return outcome with { Output = "before any change: " + outcome.Output };
        }
        catch (Exception e) when (PolicyPlanner.IsForced(c.Job) && e is FormatException or StepExecutor.CommandFailedException)
        {
            return StepOutcome.Success($"FORCED by {c.Job.RequestedBy}: the host's key could not be read and escrowed ({e.Message}); going on without it");
        }
    }

    private async Task<StepOutcome> CheckTpmReadyAsync(StepContext c)
    {
        var (settings, _) = await ReadAsync(c).ConfigureAwait(false);
        if (settings.Mode == ProtectionMode.Tpm)
            return StepOutcome.Success("the host is already in Mode TPM");
        var (_, trustedBoot) = await c.Host.ReadSecurityAsync(c.Job, c.Session, c.Stopping).ConfigureAwait(false);
        if (!trustedBoot.TpmPresent)
            return StepOutcome.NeedsPerson(PolicyRules.EnableTpm, _options.Recheck, "trustedboot get: Tpm Present false");
        var version = EsxiVersionParser.Parse((await StepExecutor.RunAsync(c.Session, HostCommand.Version, c.Stopping).ConfigureAwait(false)).Stdout);
        c.Host.ApplyFacts(c.Job, new HostFacts(EsxiVersion: version.Version, EsxiBuild: version.Build));
        var issue = PolicyRules.KnownTpmIssue(trustedBoot.TpmVendor, version.Version);
        if (issue is not null && !PolicyPlanner.AcceptsKnownTpmIssue(c.Job))
            return StepOutcome.Fatal($"{issue}: not tried. Update ESXi, or start the change again accepting the risk (--accept-tpm-risk)", AlertKind.PolicyRefused);
        return StepOutcome.Success($"TPM present (vendor {trustedBoot.TpmVendor ?? "not reported"}); ESXi {version.Version}"
            + (issue is null ? "" : $"; {issue}: trying, as asked"));
    }

    private async Task<StepOutcome> SetModeTpmAsync(StepContext c)
    {
        var (settings, _) = await ReadAsync(c).ConfigureAwait(false);
        if (settings.Mode == ProtectionMode.Tpm)
            return StepOutcome.Success("the host is in Mode TPM (set by an earlier attempt, or already)");
        var before = settings.Mode;
        return await ChangeAsync(c, HostCommand.SetModeTpm, PolicyChangeKind.ModeTpm, "set --mode=TPM (cannot be undone)", r => r.Mode ??= before).ConfigureAwait(false);
    }

    private async Task<StepOutcome> CheckSecureBootReadyAsync(StepContext c)
    {
        var (settings, _) = await ReadAsync(c).ConfigureAwait(false);
        if (settings.RequireSecureBoot)
            return StepOutcome.Success("Require Secure Boot is already on");
        if (settings.Mode != ProtectionMode.Tpm)
            return NeedsModeTpm("Require Secure Boot");
        return await c.Host.ReadFirmwareSecureBootAsync(c.Job, c.Session, c.Stopping).ConfigureAwait(false)
            ? StepOutcome.Success("firmware UEFI Secure Boot is Enabled")
            : StepOutcome.NeedsPerson(PolicyRules.EnableSecureBoot, _options.Recheck, "secureBoot.py -s: Disabled");
    }

    private async Task<StepOutcome> SetRequireSecureBootAsync(StepContext c)
    {
        var on = PolicyPlanner.ChangeOf(c.Job).RequireSecureBoot ?? throw new InvalidOperationException("The job does not say whether Require Secure Boot goes on or off.");
        var (settings, _) = await ReadAsync(c).ConfigureAwait(false);
        if (settings.RequireSecureBoot == on)
            return StepOutcome.Success($"Require Secure Boot is {PolicyText.OnOff(on)}");
        if (on && settings.Mode != ProtectionMode.Tpm)
            return NeedsModeTpm("Require Secure Boot");
        if (!on && settings.RequireExecutablesOnlyFromInstalledVibs)
        {
            return StepOutcome.Fatal("Require Secure Boot stays on: turn Require Executables Only From Installed VIBs off first (ESXi enforces it only with Secure Boot)",
                AlertKind.PolicyRefused);
        }
        var before = settings.RequireSecureBoot;
        return await ChangeAsync(c, HostCommand.SetRequireSecureBoot(on), on ? PolicyChangeKind.RequireSecureBootOn : PolicyChangeKind.RequireSecureBootOff,
            $"set --require-secure-boot={(on ? "T" : "F")}", r => r.RequireSecureBoot ??= before).ConfigureAwait(false);
    }

    private async Task<StepOutcome> SetExecInstalledOnlyOptionAsync(StepContext c)
    {
        var (settings, kernel) = await ReadAsync(c).ConfigureAwait(false);
        if (settings.RequireExecutablesOnlyFromInstalledVibs)
            return StepOutcome.Success("Require Executables Only From Installed VIBs is already on");
        if (!settings.RequireSecureBoot)
        {
            return StepOutcome.Fatal("Require Executables Only From Installed VIBs needs Require Secure Boot on first (ESXi's order); it is off",
                AlertKind.PolicyRefused);
        }
        if (!c.Job.Context.ContainsKey(PolicyPlanner.BootTimeKey))
            c.Job.Context[PolicyPlanner.BootTimeKey] = PolicyPlanner.Format((await c.Host.ReadBootTimeAsync(c.Session, c.Stopping).ConfigureAwait(false)).Latest);
        if (StepExecutor.KernelBoolean(kernel.Configured, "Configured"))
            return StepOutcome.Success("execInstalledOnly is already TRUE for the next boot; " + StepExecutor.Describe(kernel));
        Audit(c, "esxcli system settings kernel set -s execInstalledOnly -v TRUE (effective at the next boot)");
        await StepExecutor.RunAsync(c.Session, HostCommand.SetExecInstalledOnlyOption, c.Stopping).ConfigureAwait(false);
        saved.Changed(c.Job.HostId, c.Job.Id, r => r.ExecInstalledOnlyConfigured ??= false);
        var (_, after) = await ReadAsync(c).ConfigureAwait(false);
        if (!StepExecutor.KernelBoolean(after.Configured, "Configured"))
            return StepOutcome.Fatal("kernel set exited 0, but execInstalledOnly is not TRUE for the next boot: " + StepExecutor.Describe(after), AlertKind.PolicyRefused);
        return StepOutcome.Success("execInstalledOnly set TRUE for the next boot; " + StepExecutor.Describe(after));
    }

    private async Task<StepOutcome> WaitForRebootAsync(StepContext c)
    {
        var (_, kernel) = await ReadAsync(c).ConfigureAwait(false);
        var configured = StepExecutor.KernelBoolean(kernel.Configured, "Configured");
        var runtime = StepExecutor.KernelBoolean(kernel.Runtime, "Runtime");
        var bootTime = await c.Host.ReadBootTimeAsync(c.Session, c.Stopping).ConfigureAwait(false);
        var rebooted = PolicyPlanner.ParseTime(c.Job, PolicyPlanner.BootTimeKey) is { } before && bootTime.IsAfter(before);
        var since = $"up since {bootTime.Latest:u}";
        if (runtime)
            return StepOutcome.Success((rebooted ? "the host rebooted; " : "") + $"execInstalledOnly TRUE at runtime ({since})");
        if (!configured)
        {
            return StepOutcome.Fatal((rebooted ? "the host rebooted, but " : "")
                + "execInstalledOnly is FALSE for the next boot again: the setting was lost (a power cycle before it was saved?) or changed back; start the change again",
                AlertKind.SettingLost);
        }
        if (rebooted)
            return StepOutcome.Fatal($"the host rebooted ({since}), but execInstalledOnly is still FALSE at runtime although TRUE for the next boot", AlertKind.JobFailed);
        return StepOutcome.NeedsPerson(PolicyRules.RebootRequired, _options.Recheck, $"execInstalledOnly configured TRUE, runtime FALSE; {since}");
    }

    private async Task<StepOutcome> SetRequireExecInstalledOnlyAsync(StepContext c)
    {
        var on = PolicyPlanner.ChangeOf(c.Job).RequireExecInstalledOnly ?? throw new InvalidOperationException("The job does not say whether the exec requirement goes on or off.");
        var (settings, kernel) = await ReadAsync(c).ConfigureAwait(false);
        if (settings.RequireExecutablesOnlyFromInstalledVibs == on)
            return StepOutcome.Success($"Require Executables Only From Installed VIBs is {PolicyText.OnOff(on)}");
        if (on && !settings.RequireSecureBoot)
            return StepOutcome.Fatal("Require Executables Only From Installed VIBs needs Require Secure Boot on first; it is off", AlertKind.PolicyRefused);
        if (on && !StepExecutor.KernelBoolean(kernel.Runtime, "Runtime"))
            return StepOutcome.Fatal("execInstalledOnly is not TRUE at runtime: the host must be rebooted with it first; " + StepExecutor.Describe(kernel), AlertKind.PolicyRefused);
        var before = settings.RequireExecutablesOnlyFromInstalledVibs;
        return await ChangeAsync(c, HostCommand.SetRequireExecInstalledOnly(on), on ? PolicyChangeKind.RequireExecInstalledOnlyOn : PolicyChangeKind.RequireExecInstalledOnlyOff,
            $"set --require-exec-installed-only={(on ? "T" : "F")}", r => r.RequireExecInstalledOnly ??= before).ConfigureAwait(false);
    }

    private static async Task<StepOutcome> VerifyAsync(StepContext c)
    {
        var expected = PolicyPlanner.ExpectedAt(c.Job.Steps.Select(s => s.Kind).ToList(), c.Index, PolicyPlanner.ChangeOf(c.Job));
        var (settings, _) = await ReadAsync(c).ConfigureAwait(false);
        var wrong = new List<string>();
        if (expected.Mode is { } mode && settings.Mode != mode)
            wrong.Add($"Mode {settings.Mode}, expected {mode}");
        if (expected.RequireSecureBoot is { } secureBoot && settings.RequireSecureBoot != secureBoot)
            wrong.Add($"Require Secure Boot {settings.RequireSecureBoot}, expected {secureBoot}");
        if (expected.RequireExecInstalledOnly is { } exec && settings.RequireExecutablesOnlyFromInstalledVibs != exec)
            wrong.Add($"Require Executables Only From Installed VIBs {settings.RequireExecutablesOnlyFromInstalledVibs}, expected {exec}");
        return wrong.Count == 0
            ? StepOutcome.Success("encryption get: " + StepExecutor.Describe(settings))
            : StepOutcome.Fatal("the change did not take: encryption get shows " + string.Join("; ", wrong), AlertKind.PolicyRefused);
    }

    private static async Task<StepOutcome> RecollectKeyAsync(StepContext c)
    {
        try
        {
            return await c.Host.CollectKeysAsync(c.Job, c.Session, KeySource.Resealed, c.Stopping).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FormatException or StepExecutor.CommandFailedException or HostUnreachableException)
        {
            // Listing is read-only: worth retrying; the alert says what is at stake if it never works.
            return StepOutcome.Transient($"{e.Message}; the policy changed, so the configuration may have been resealed: the host's key must be read and escrowed again",
                AlertKind.EscrowAtRisk);
        }
    }

    /// <summary>Audits the change, makes it, and turns ESXi's refusal into a failure naming the unmet prerequisite.</summary>
    /// <param name="keepSaved">Records what the saved configuration still holds once the change runs (until a save is confirmed).</param>
    private async Task<StepOutcome> ChangeAsync(StepContext c, HostCommand command, PolicyChangeKind kind, string description, Action<PolicySavedRecord> keepSaved)
    {
        Audit(c, description);
        var result = await StepExecutor.RunAsync(c.Session, command, c.Stopping, requireSuccess: false).ConfigureAwait(false);
        if (result.ExitCode == 0)
        {
            saved.Changed(c.Job.HostId, c.Job.Id, keepSaved);
            return StepOutcome.Success($"{description}: exited 0");
        }
        var text = result.Stdout + "\n" + result.Stderr;
        if (!PolicyRules.IsRefusal(text))
            return StepOutcome.Transient($"'{command.Name}' exited {result.ExitCode}: '{Redaction.Redact(StepExecutor.FirstLine(text))}'");
        var (explanation, facts) = await ExplainAsync(c, kind).ConfigureAwait(false);
        // Kept with the facts it was made on: the report offers the same change again only once they differ.
        if (facts is not null)
            saved.Refused(c.Job.HostId, c.Job.Id, kind, explanation, facts);
        PolicyLog.Refused(logger, c.Job.Id, c.Job.HostName, explanation);
        return StepOutcome.Fatal(explanation, AlertKind.PolicyRefused);
    }

    /// <returns>Why ESXi refused, and the facts that was judged on (null when the host could not be read again).</returns>
    private static async Task<(string Explanation, string? Facts)> ExplainAsync(StepContext c, PolicyChangeKind kind)
    {
        try
        {
            var (settings, kernel) = await ReadAsync(c).ConfigureAwait(false);
            var (secureBoot, trustedBoot) = await c.Host.ReadSecurityAsync(c.Job, c.Session, c.Stopping).ConfigureAwait(false);
            var version = EsxiVersionParser.Parse((await StepExecutor.RunAsync(c.Session, HostCommand.Version, c.Stopping).ConfigureAwait(false)).Stdout);
            c.Host.ApplyFacts(c.Job, new HostFacts(EsxiVersion: version.Version, EsxiBuild: version.Build));
            var runtime = StepExecutor.KernelBoolean(kernel.Runtime, "Runtime");
            var explanation = PolicyRules.ExplainRefusal(kind, new LiveState(settings.Mode, settings.RequireSecureBoot, settings.RequireExecutablesOnlyFromInstalledVibs,
                runtime, secureBoot, trustedBoot.TpmPresent, trustedBoot.TpmVendor, version.Version));
            return (explanation, PolicyRefusal.Fingerprint(settings.Mode, settings.RequireSecureBoot, settings.RequireExecutablesOnlyFromInstalledVibs, runtime,
                secureBoot, trustedBoot.TpmPresent, trustedBoot.TpmVendor, version.Version));
        }
        catch (Exception e) when (e is FormatException or StepExecutor.CommandFailedException or HostUnreachableException)
        {
            return ($"ESXi refused the change ({kind}); the host could not be read again to say why: {e.Message}", null);
        }
    }

    private static StepOutcome NeedsModeTpm(string requirement) =>
        StepOutcome.Fatal($"{requirement} needs Mode TPM and the host is in Mode NONE: ask for mode tpm as well", AlertKind.PolicyRefused);

    /// <summary>The change is written to the audit log before it is made: when the record cannot be written, this throws and nothing changes.</summary>
    private void Audit(StepContext c, string change) =>
        audit.Append(new AuditEntry(StepExecutor.JobActor(c.Job).Name, "host.policy-change", $"host:{c.Job.HostName}", AuditEntry.Success, null,
            $"{change}; job {c.Job.Id}; requested by {c.Job.RequestedBy}" + (PolicyPlanner.IsForced(c.Job) ? "; FORCED without a verified escrowed key" : "")));
}
