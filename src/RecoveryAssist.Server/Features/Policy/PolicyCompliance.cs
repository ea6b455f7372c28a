using System.Globalization;
using RecoveryAssist.Core.Esxcli;
using RecoveryAssist.Server.Features.HostOps;

namespace RecoveryAssist.Server.Features.Policy;

/// <summary>
/// Judges one host against its desired policy, from what the host last reported and what the escrow
/// holds. Pure. Every finding says what to do next; the findings come in the order a person works
/// through them (a waiting job, a change not saved, a boot at risk, the key, the facts, a refusal by ESXi,
/// the desired policy, then ESXi's order: Mode TPM, Secure Boot, exec), and the host's next step is the
/// first one. Everything but the unsaved change itself is judged on the saved configuration: what the
/// next boot will have.
/// </summary>
internal static class PolicyCompliance
{
    public static HostCompliance Evaluate(HostPolicySnapshot host, DateTime now, TimeSpan keyMaxAge)
    {
        ArgumentNullException.ThrowIfNull(host);
        var findings = new List<PolicyFinding>();
        void Add(string code, FindingSeverity severity, string problem, string next) => findings.Add(new PolicyFinding(code, severity, problem, next));

        var running = host.Facts;
        // What the next boot has: findings and next steps are judged on it, not on a change that is not saved yet.
        var f = host.Saved ?? running;
        var d = host.Desired;
        var name = host.HostName;
        var collect = host.HasSshAccess
            ? $"collect the host: recoveryassist collect {name} --wait"
            : $"give the appliance SSH access (recoveryassist host ssh {name}), then collect it: recoveryassist collect {name} --wait";

        if (host.ActiveJob is { } job)
        {
            if (job.State == JobState.NeedsPerson)
                Add("needs-person", FindingSeverity.Problem, $"policy job {job.Id} waits for a person", $"{job.Attention} (then it goes on by itself, or: recoveryassist job resume {job.Id})");
            else
                Add("job-active", FindingSeverity.Info, $"policy job {job.Id} is {job.State.ToString().ToLowerInvariant()}", $"wait for it: recoveryassist job show {job.Id}");
        }

        if (Unsaved(running, f) is { Count: > 0 } unsaved)
        {
            var save = host.UnsavedBy is { } changedBy && host.ActiveJob?.Id != changedBy
                ? $"save it: recoveryassist job retry {changedBy} (it goes on from the save)"
                : host.ActiveJob is { } active ? $"wait for policy job {active.Id}: it saves the change" : $"save it: recoveryassist policy apply {name}";
            Add("policy-not-saved", FindingSeverity.Problem,
                "not saved: " + string.Join("; ", unsaved) + " — a reboot or power cut brings the saved values back", save);
        }

        if (f.RequireExecInstalledOnly == true && f.ExecInstalledOnlyConfigured == false)
        {
            Add("boot-will-fail", FindingSeverity.Danger,
                "Require Executables Only From Installed VIBs is on but execInstalledOnly is FALSE for the next boot: the next boot stops with \"A security violation was detected\"",
                $"before any reboot, set execInstalledOnly TRUE again on the host (esxcli system settings kernel set -s execInstalledOnly -v TRUE) or turn the requirement off: recoveryassist policy set {name} --require-exec-installed-only off");
        }
        if (f.RequireSecureBoot == true && f.FirmwareSecureBoot == false)
        {
            Add("boot-will-fail", FindingSeverity.Danger,
                "Require Secure Boot is on but the firmware reports UEFI Secure Boot Disabled: the next boot stops with \"A security violation was detected\"",
                "turn UEFI Secure Boot back on in the firmware before the host reboots, or keep its escrowed key at hand for the recovery");
        }

        if (f.Mode != ProtectionMode.None || running.Mode != ProtectionMode.None)
        {
            if (!host.Key.Escrowed)
                Add("no-key", FindingSeverity.Problem, "no escrowed recovery key (a failed boot after any change would need it)", collect);
            else if (host.Key.LastVerified is { } verified && verified < now - keyMaxAge)
                Add("key-not-verified", FindingSeverity.Problem, $"the escrowed key was last verified on the host {verified.ToString("u", CultureInfo.InvariantCulture)}, more than {keyMaxAge.TotalHours:0} h ago", collect);
        }
        if (f.PolicyRead is null)
        {
            Add("not-read", FindingSeverity.Problem, "the host's TPM policy has never been read", collect);
            return Judge(findings);
        }
        var factsUnknown = f.FirmwareSecureBoot is null || f.TpmPresent is null || f.ExecInstalledOnlyRuntime is null;
        var collectFirst = $"collect first (its firmware facts are unknown): {collect}";
        if (factsUnknown)
        {
            Add("facts-unknown", FindingSeverity.Problem,
                "the host's firmware facts (UEFI Secure Boot, TPM, execInstalledOnly at runtime) were never collected: next steps cannot be told", collectFirst);
        }

        // A change ESXi refused is not offered again while the facts it was judged on stay the same.
        var refused = host.Refusal is { } refusal && refusal.Facts == PolicyRefusal.Fingerprint(running) ? refusal : null;
        var afterRefusal = $"meet the prerequisite ESXi named (see policy-refused), then collect the host (recoveryassist collect {name} --wait): the change is offered again once the host's facts change";
        // A next step that first changes a fact ESXi checks (firmware, a reboot) stands; one that would only send the same command again does not.
        string Blocked(PolicyChangeKind kind, string next, bool changesFacts) => refused?.Change == kind && !changesFacts ? afterRefusal : next;

        foreach (var conflict in d.Conflicts)
            Add("desired-conflict", FindingSeverity.Problem, "the desired policies of the host's tags disagree: " + conflict, $"decide with a host policy: recoveryassist policy desired set --host {name} ...");
        foreach (var inconsistency in d.Inconsistencies())
            Add("desired-inconsistent", FindingSeverity.Problem, "the desired policy cannot be met: " + inconsistency, "correct the desired policies (recoveryassist policy desired show)");
        bool Conflicting(string field) => d.Conflicts.Any(c => c.StartsWith(field + ":", StringComparison.Ordinal));

        var setMode = $"recoveryassist policy set {name} --mode tpm --confirm-irreversible --tpm-enabled-in-firmware";
        if (d.RequireTpm && f.Mode == ProtectionMode.None && !Conflicting("mode"))
        {
            var issue = PolicyRules.KnownTpmIssue(f.TpmVendor, f.EsxiVersion);
            var next = f.TpmPresent == false ? "enable the TPM 2.0 in the host's firmware and boot it (ESXi reports no TPM), then: " + setMode
                : issue is not null ? $"{issue}: update ESXi first, or try anyway: {setMode} --accept-tpm-risk"
                : "confirm the TPM 2.0 is enabled in the host's firmware, then: " + setMode;
            Add("mode-none", FindingSeverity.Problem, "Mode NONE: the configuration is not sealed to a TPM" + (running.Mode == ProtectionMode.Tpm ? " (saved; Mode TPM runs now)" : ""),
                Blocked(PolicyChangeKind.ModeTpm, next, changesFacts: f.TpmPresent == false));
        }

        var afterMode = f.Mode == ProtectionMode.None ? "after Mode TPM: " : "";
        if (!Conflicting("requireSecureBoot"))
        {
            if (d.RequireSecureBoot && f.RequireSecureBoot == false)
            {
                var set = $"recoveryassist policy set {name} --require-secure-boot on";
                var next = afterMode + (f.FirmwareSecureBoot == true ? set
                    : f.FirmwareSecureBoot is null ? collectFirst
                    : $"enable Secure Boot in firmware and reboot, then: {set} (or start it now: the job waits for Secure Boot)");
                Add("secure-boot-not-enforced", FindingSeverity.Problem,
                    "Require Secure Boot is off" + (f.FirmwareSecureBoot == false ? "; the firmware reports UEFI Secure Boot Disabled" : ""), Blocked(PolicyChangeKind.RequireSecureBootOn, next, changesFacts: f.FirmwareSecureBoot == false));
            }
            else if (!d.RequireSecureBoot && f.RequireSecureBoot == true)
            {
                var withExec = f.RequireExecInstalledOnly == true ? " --require-exec-installed-only off" : "";
                Add("secure-boot-enforced", FindingSeverity.Problem, $"Require Secure Boot is on; the desired policy ({d.SecureBootSource}) has it off",
                    $"recoveryassist policy set {name}{withExec} --require-secure-boot off");
            }
        }

        if (!Conflicting("requireExecInstalledOnly"))
        {
            if (d.RequireExecInstalledOnly && f.RequireExecInstalledOnly == false)
            {
                var set = $"recoveryassist policy set {name} --require-exec-installed-only on";
                var next = f.RequireSecureBoot != true ? afterMode + $"after Require Secure Boot: {set}"
                    : f.ExecInstalledOnlyRuntime is null ? collectFirst
                    : f.ExecInstalledOnlyRuntime == true ? set
                    : f.ExecInstalledOnlyConfigured == true ? $"reboot the host (execInstalledOnly TRUE takes effect at boot), then: {set}"
                    : $"{set} (it sets execInstalledOnly TRUE, then waits for you to reboot the host)";
                Add("exec-not-enforced", FindingSeverity.Problem, "Require Executables Only From Installed VIBs is off", Blocked(PolicyChangeKind.RequireExecInstalledOnlyOn, next, changesFacts: f.ExecInstalledOnlyRuntime != true));
            }
            else if (!d.RequireExecInstalledOnly && f.RequireExecInstalledOnly == true)
            {
                Add("exec-enforced", FindingSeverity.Problem, $"Require Executables Only From Installed VIBs is on; the desired policy ({d.ExecSource}) has it off",
                    $"recoveryassist policy set {name} --require-exec-installed-only off");
            }
        }

        if (f.ExecInstalledOnlyConfigured is { } configured && f.ExecInstalledOnlyRuntime is { } runtime && configured != runtime
            && !findings.Any(x => x.Code is "boot-will-fail" or "exec-not-enforced"))
        {
            Add("reboot-pending", FindingSeverity.Info, $"execInstalledOnly is {Upper(configured)} for the next boot and {Upper(runtime)} now", "reboot the host when convenient");
        }
        if (refused is not null)
            Add("policy-refused", FindingSeverity.Problem, $"{refused.Explanation} (job {refused.JobId}, {refused.At.ToString("u", CultureInfo.InvariantCulture)})", afterRefusal);
        return Judge(findings);
    }

    private static string Upper(bool value) => value ? "TRUE" : "FALSE";

    /// <summary>Each field whose running value the saved configuration does not have, said as "X runs now; the next boot has Y".</summary>
    public static IReadOnlyList<string> Unsaved(PolicyFacts running, PolicyFacts saved)
    {
        ArgumentNullException.ThrowIfNull(running);
        ArgumentNullException.ThrowIfNull(saved);
        var list = new List<string>();
        void Check<T>(string field, T now, T atBoot, Func<T, string> text)
        {
            if (!EqualityComparer<T>.Default.Equals(now, atBoot))
                list.Add($"{field} {text(now)} runs now, the saved configuration has {text(atBoot)}");
        }
        Check("Mode", running.Mode, saved.Mode, m => m?.ToString().ToUpperInvariant() ?? "unknown");
        Check("Require Secure Boot", running.RequireSecureBoot, saved.RequireSecureBoot, OnOffText);
        Check("Require Executables Only From Installed VIBs", running.RequireExecInstalledOnly, saved.RequireExecInstalledOnly, OnOffText);
        Check("execInstalledOnly (for the next boot)", running.ExecInstalledOnlyConfigured, saved.ExecInstalledOnlyConfigured, v => v is { } b ? Upper(b) : "unknown");
        return list;
    }

    private static string OnOffText(bool? value) => value is { } v ? PolicyText.OnOff(v) : "unknown";

    private static HostCompliance Judge(List<PolicyFinding> findings) =>
        new(!findings.Any(f => f.Severity != FindingSeverity.Info), findings, findings.FirstOrDefault()?.NextStep);

    public static PolicyReportSummary Summarize(IReadOnlyList<(HostPolicySnapshot Host, HostCompliance Compliance)> hosts)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        int Count(params string[] codes) => hosts.Count(h => h.Compliance.Findings.Any(f => codes.Contains(f.Code)));
        return new PolicyReportSummary(
            hosts.Count,
            hosts.Count(h => h.Compliance.Compliant),
            hosts.Count(h => h.Host.Facts.Mode == ProtectionMode.None),
            Count("secure-boot-not-enforced"),
            Count("exec-not-enforced"),
            Count("no-key", "key-not-verified"),
            Count("needs-person"),
            Count("boot-will-fail"),
            Count("policy-not-saved"))
        {
            RotationNotSaved = hosts.Count(h => h.Host.Key.RotationNotSaved),
            SameKeyOnSeveralHosts = hosts.Count(h => h.Host.Key.SameKeyOnSeveralHosts),
        };
    }
}
