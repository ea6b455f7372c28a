using Microsoft.Extensions.Options;
using RecoveryAssist.Core.Esxcli;
using RecoveryAssist.Server.Features.Audit;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Features.HostOps;
using RecoveryAssist.Server.Hosting;

namespace RecoveryAssist.Server.Features.Policy;

/// <summary>
/// TPM policy management: desired policies, the compliance report, and policy jobs. A change is refused
/// on a host in Mode TPM whose key the escrow does not hold, verified within
/// <see cref="PolicyOptions.KeyVerifiedWithinHours"/>, unless an administrator forces it with a reason
/// (audited): a host that fails to boot after a policy change needs that key.
/// </summary>
internal sealed class PolicyService(
    EscrowService escrow,
    KeyVersionStore keys,
    HostSshAccess access,
    JobStore jobs,
    HostOpsService hostOps,
    DesiredPolicyStore desired,
    PolicySavedStore saved,
    AuditLog audit,
    IOptions<PolicyOptions> options,
    TimeProvider time,
    ILogger<PolicyService> logger)
{
    public const int MaxReasonLength = 500;

    private readonly PolicyOptions _options = options.Value;

    public PolicyShowView Show(Guid hostId)
    {
        var host = escrow.GetHost(hostId);
        var snapshot = Snapshot(host, escrow.KeyVersions(hostId), desired.Snapshot(), ActivePolicyJobs(), access.Find(hostId) is not null, saved.Get(hostId));
        var compliance = PolicyCompliance.Evaluate(snapshot, Now(), _options.KeyMaxAge);
        IReadOnlyList<StepKind> plan = [];
        var notes = new List<string>();
        if (snapshot.Desired.Conflicts.Count > 0 || snapshot.Desired.Inconsistencies().Count > 0)
        {
            notes.Add("no plan: the desired policy is in conflict or cannot be met");
        }
        else
        {
            try
            {
                // A preview, as if every confirmation were given: the real request still needs them.
                var preview = PolicyPlanner.Plan(Target(snapshot.Desired), new PolicyConfirmations(true, true, true), snapshot.Facts);
                if (snapshot.Saved is not null)
                    notes.Add("planned from what runs now; the saved configuration differs until the change is saved (see fields)");
                plan = preview.Steps;
                notes.AddRange(preview.Warnings);
                notes.AddRange(preview.Notes);
            }
            catch (ProblemException e)
            {
                notes.Add("no plan: " + e.Message);
            }
        }
        return new PolicyShowView(HostPolicyView.From(snapshot, compliance), plan, notes);
    }

    /// <summary>An explicit change (<c>policy set</c>).</summary>
    public PolicyChangeView Change(Guid hostId, PolicyChangeInput input, Actor actor, bool mayForce)
    {
        ArgumentNullException.ThrowIfNull(input);
        var errors = new List<string>();
        var mode = PolicyText.ParseMode(input.Mode, "mode", errors);
        if (errors.Count > 0)
            throw PolicyText.Invalid(errors);
        return Start(hostId, new PolicySettings(mode, input.RequireSecureBoot, input.RequireExecInstalledOnly), input, actor, mayForce);
    }

    /// <summary>Brings the host to its desired policy (<c>policy apply</c>); the confirmations and force work as for a change.</summary>
    public PolicyChangeView Apply(Guid hostId, PolicyChangeInput input, Actor actor, bool mayForce)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Mode is not null || input.RequireSecureBoot is not null || input.RequireExecInstalledOnly is not null)
            throw PolicyText.Invalid(["mode, requireSecureBoot, requireExecInstalledOnly: apply takes them from the desired policy; for an explicit change use POST /api/hosts/{id}/policy"]);
        var host = escrow.GetHost(hostId);
        var resolved = Resolve(host, desired.Snapshot());
        if (resolved.Conflicts.Count > 0)
            throw ProblemException.Conflict("desired-conflict", $"The desired policy of host {host.Name} is in conflict: {string.Join("; ", resolved.Conflicts)}. Decide with a host policy.");
        if (resolved.Inconsistencies() is { Count: > 0 } problems)
            throw ProblemException.Conflict("desired-inconsistent", $"The desired policy of host {host.Name} cannot be met: {string.Join("; ", problems)}.");
        return Start(hostId, Target(resolved), input, actor, mayForce);
    }

    private static PolicySettings Target(ResolvedPolicy resolved) =>
        new(resolved.RequireTpm ? ProtectionMode.Tpm : null, resolved.RequireSecureBoot, resolved.RequireExecInstalledOnly);

    private PolicyChangeView Start(Guid hostId, PolicySettings requested, PolicyChangeInput input, Actor actor, bool mayForce)
    {
        var reason = input.Reason?.Trim();
        if (input.Force)
        {
            if (!mayForce)
                throw ProblemException.Forbidden("force-not-allowed", "force: only an administrator (permission policy:force) may change a host whose key is not escrowed and recently verified.");
            var errors = new List<string>();
            if (string.IsNullOrEmpty(reason))
                errors.Add("reason: say why the change is forced (--reason)");
            else if (TextField.Describe(reason, MaxReasonLength) is not null)
                errors.Add($"reason: at most {MaxReasonLength} characters, on one line");
            if (errors.Count > 0)
                throw PolicyText.Invalid(errors);
        }
        var host = escrow.GetHost(hostId);
        var plan = PolicyPlanner.Plan(requested, new PolicyConfirmations(input.ConfirmIrreversible, input.TpmEnabledInFirmware, input.AcceptKnownTpmIssue), PolicyFacts.From(host));
        if (plan.Change.IsEmpty)
            return new PolicyChangeView("nothing to change: " + string.Join("; ", plan.Notes), [], plan.Warnings, null);

        var context = PolicyPlanner.Context(plan.Change, input.AcceptKnownTpmIssue);
        var request = new JobRequest(JobKind.Policy, hostId, Steps: plan.Steps, Context: context, Detail: $"policy change: {plan.Change}",
            Check: current => KeyGate(current, input.Force, reason, actor, context));
        var job = hostOps.Start(request, actor);
        PolicyLog.ChangeRequested(logger, host.Name, actor.Name, plan.Change.ToString(), job.Id);
        return new PolicyChangeView($"job {job.Id} started: {plan.Change}" + (plan.Notes.Count > 0 ? $" ({string.Join("; ", plan.Notes)})" : ""),
            plan.Steps, plan.Warnings, JobView.From(job));
    }

    /// <summary>
    /// Inside the transaction that creates the job: the escrow must hold the key that protects a host in
    /// Mode TPM (or in a mode not read yet), seen on the host recently. Otherwise only an administrator's
    /// force lets the change through, and that is audited with its reason in the same transaction.
    /// </summary>
    private void KeyGate(HostRecord host, bool force, string? reason, Actor actor, Dictionary<string, string> context)
    {
        var facts = PolicyFacts.From(host);
        if (facts.Mode == ProtectionMode.None)
            return;
        var key = KeyFacts.From(escrow.KeyVersions(host.Id));
        var problem = !key.Escrowed ? "the escrow holds no key for it"
            : key.LastVerified < Now() - _options.KeyMaxAge ? $"its escrowed key was last verified on the host {key.LastVerified:u}, more than {_options.KeyVerifiedWithinHours} h ago"
            : null;
        if (problem is null)
            return;
        if (!force)
        {
            throw ProblemException.Conflict("key-not-escrowed",
                $"Host {host.Name}: {problem}; a boot that fails after a policy change needs that key. Collect it first (recoveryassist collect {host.Name} --wait), or, as an administrator, force the change with a reason.");
        }
        audit.Append(new AuditEntry(actor.Name, "policy.forced", EscrowService.Target(host), AuditEntry.Success, actor.ClientAddress, $"{problem}; reason: {reason}"));
        PolicyLog.Forced(logger, host.Name, actor.Name, reason ?? "");
        // The job's context is read after this check: its first step then goes on even if the key cannot be read.
        PolicyPlanner.MarkForced(context);
    }

    public PolicyReport Report(string? tag)
    {
        var all = desired.Snapshot();
        var active = ActivePolicyJobs();
        var withSsh = access.HostIds().ToHashSet();
        var savedSides = saved.All();
        var now = Now();
        var rows = escrow.ExportRows()
            .Where(r => tag is null || r.Host.Tags.Contains(tag, StringComparer.Ordinal))
            .Select(r => Snapshot(r.Host, r.Versions, all, active, withSsh.Contains(r.Host.Id), savedSides.GetValueOrDefault(r.Host.Id)))
            .Select(s => (Host: s, Compliance: PolicyCompliance.Evaluate(s, now, _options.KeyMaxAge)))
            .ToList();
        return new PolicyReport(now, _options.KeyVerifiedWithinHours, PolicyCompliance.Summarize(rows), rows.Select(r => HostPolicyView.From(r.Host, r.Compliance)).ToList());
    }

    public IReadOnlyList<DesiredPolicyView> ListDesired()
    {
        var records = desired.All();
        return records.Select(r => DesiredPolicyView.From(r, r.HostId is { } id ? TryHostName(id) : null)).ToList();
    }

    public DesiredPolicyView SetDesired(DesiredScope scope, string? tag, Guid? hostId, DesiredPolicyInput input, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(input);
        var errors = new List<string>();
        if (scope == DesiredScope.Tag)
            ValidateTag(tag, errors);
        var settings = new PolicySettings(PolicyText.ParseMode(input.Mode, "mode", errors), input.RequireSecureBoot, input.RequireExecInstalledOnly);
        if (errors.Count == 0 && settings.IsEmpty)
            errors.Add("give at least one of mode, requireSecureBoot, requireExecInstalledOnly (to drop a scope's desired policy, delete it)");
        if (settings.RequireExecInstalledOnly == true && settings.RequireSecureBoot == false)
            errors.Add("requireExecInstalledOnly: on with requireSecureBoot off cannot be met (ESXi enforces exec only with Secure Boot)");
        if (settings.Mode == ProtectionMode.None && (settings.RequireSecureBoot == true || settings.RequireExecInstalledOnly == true))
            errors.Add("mode: none (Mode TPM not required) with a requirement on cannot be met (the requirements exist only in Mode TPM)");
        if (errors.Count > 0)
            throw PolicyText.Invalid(errors);
        var host = hostId is { } id ? escrow.GetHost(id) : null;
        var record = desired.Set(scope, tag?.Trim(), host, settings, actor);
        PolicyLog.DesiredSet(logger, DesiredPolicyStore.Target(scope, tag, host), actor.Name, settings.ToString());
        return DesiredPolicyView.From(record, host?.Name);
    }

    public void RemoveDesired(DesiredScope scope, string? tag, Guid? hostId, Actor actor)
    {
        var errors = new List<string>();
        if (scope == DesiredScope.Tag)
            ValidateTag(tag, errors);
        if (errors.Count > 0)
            throw PolicyText.Invalid(errors);
        var host = hostId is { } id ? escrow.GetHost(id) : null;
        if (!desired.Remove(scope, tag?.Trim(), host, actor))
            throw ProblemException.NotFound("The desired policy");
    }

    private static void ValidateTag(string? tag, List<string> errors)
    {
        if (TextField.Describe(tag?.Trim(), 64) is not null)
            errors.Add("tag: non-empty, at most 64 characters");
    }

    private string? TryHostName(Guid id)
    {
        try
        {
            return escrow.GetHost(id).Name;
        }
        catch (ProblemException)
        {
            return null;
        }
    }

    private ResolvedPolicy Resolve(HostRecord host, IReadOnlyDictionary<string, DesiredPolicyRecord> all)
    {
        var (own, tags, fleet) = desired.For(host, all);
        return DesiredResolution.Resolve(own, tags, fleet);
    }

    private HostPolicySnapshot Snapshot(HostRecord host, IEnumerable<KeyVersionRecord> versions, IReadOnlyDictionary<string, DesiredPolicyRecord> all,
        IReadOnlyDictionary<Guid, ActivePolicyJob> active, bool hasSsh, PolicySavedRecord? savedSide)
    {
        var facts = PolicyFacts.From(host);
        var held = versions.ToList();
        var live = KeyReconciler.Live(held.Select(KeyVersionStore.Held)).Select(h => h.Version).ToHashSet();
        var key = KeyFacts.From(held) with { SameKeyOnSeveralHosts = held.Where(v => live.Contains(v.Version)).Any(v => keys.SharedWithOthers(v).Count > 0) };
        return new(host.Id, host.Name, host.Tags, facts, key, hasSsh, Resolve(host, all), active.GetValueOrDefault(host.Id),
            HostPolicySnapshot.SavedFacts(facts, savedSide), savedSide?.ChangedBy, PolicyRefusal.From(savedSide));
    }

    private IReadOnlyDictionary<Guid, ActivePolicyJob> ActivePolicyJobs() =>
        jobs.Active().Where(j => j.Kind == JobKind.Policy)
            .GroupBy(j => j.HostId)
            .ToDictionary(g => g.Key, g => g.OrderByDescending(j => j.Created).Select(j => new ActivePolicyJob(j.Id, j.State, j.Attention)).First());

    private DateTime Now() => AuditChain.Truncate(time.GetUtcNow());
}
