using LiteDB;
using RecoveryAssist.Core.Esxcli;
using RecoveryAssist.Server.Features.HostOps;
using RecoveryAssist.Server.Storage;

namespace RecoveryAssist.Server.Features.Policy;

/// <summary>
/// What the appliance knows a host's saved configuration (state.tgz, what the next boot has) holds where it
/// differs from the running one: a policy change runs at once but is saved only when a save is confirmed.
/// A null field is "as running". Also the last refusal by ESXi, with the facts it was made on.
/// </summary>
internal sealed class PolicySavedRecord
{
    /// <summary>The host id.</summary>
    public Guid Id { get; set; }

    public ProtectionMode? Mode { get; set; }

    public bool? RequireSecureBoot { get; set; }

    public bool? RequireExecInstalledOnly { get; set; }

    public bool? ExecInstalledOnlyConfigured { get; set; }

    /// <summary>When the oldest change not yet saved was made, and by which job.</summary>
    public DateTime? ChangedSince { get; set; }

    public Guid? ChangedBy { get; set; }

    public PolicyChangeKind? RefusedChange { get; set; }

    public string? RefusalExplanation { get; set; }

    public DateTime? RefusedAt { get; set; }

    public Guid? RefusedJob { get; set; }

    /// <summary>The host's facts when ESXi refused (<see cref="PolicyRefusal.Fingerprint"/>): the refusal stands until they change.</summary>
    public string? RefusalFacts { get; set; }

    [BsonIgnore]
    public bool HasUnsaved => Mode is not null || RequireSecureBoot is not null || RequireExecInstalledOnly is not null || ExecInstalledOnlyConfigured is not null;
}

/// <summary>A refusal by ESXi as the report shows it.</summary>
internal sealed record PolicyRefusal(PolicyChangeKind Change, string Explanation, DateTime At, Guid JobId, string Facts)
{
    /// <summary>The facts a refusal depends on, as one comparable text.</summary>
    public static string Fingerprint(ProtectionMode? mode, bool? requireSecureBoot, bool? requireExec, bool? execRuntime, bool? firmwareSecureBoot,
        bool? tpmPresent, string? tpmVendor, string? esxiVersion) =>
        string.Join('|', mode?.ToString() ?? "?", B(requireSecureBoot), B(requireExec), B(execRuntime), B(firmwareSecureBoot), B(tpmPresent), tpmVendor ?? "?", esxiVersion ?? "?");

    public static string Fingerprint(PolicyFacts f)
    {
        ArgumentNullException.ThrowIfNull(f);
        return Fingerprint(f.Mode, f.RequireSecureBoot, f.RequireExecInstalledOnly, f.ExecInstalledOnlyRuntime, f.FirmwareSecureBoot, f.TpmPresent, f.TpmVendor, f.EsxiVersion);
    }

    public static PolicyRefusal? From(PolicySavedRecord? record) =>
        record is { RefusedChange: { } change, RefusalExplanation: { } explanation, RefusedAt: { } at, RefusedJob: { } job, RefusalFacts: { } facts }
            ? new PolicyRefusal(change, explanation, at, job, facts)
            : null;

    private static string B(bool? value) => value switch { true => "1", false => "0", _ => "?" };
}

/// <summary>The saved side of hosts' policies, kept by the policy feature.</summary>
internal sealed class PolicySavedStore(AppDatabase database, TimeProvider time)
{
    public const string Collection = "policy_saved";

    private ILiteCollection<PolicySavedRecord> Records => database.Collection<PolicySavedRecord>(Collection);

    public PolicySavedRecord? Get(Guid hostId) => Records.FindById(hostId);

    public IReadOnlyDictionary<Guid, PolicySavedRecord> All() => Records.FindAll().ToDictionary(r => r.Id);

    /// <summary>A change ran on the host: what the saved configuration still holds is the value before it (kept from an earlier unsaved change).</summary>
    public void Changed(Guid hostId, Guid jobId, Action<PolicySavedRecord> keepSaved) => database.Write(() =>
    {
        var record = Records.FindById(hostId) ?? new PolicySavedRecord { Id = hostId };
        keepSaved(record);
        record.ChangedSince ??= Now();
        record.ChangedBy = jobId;
        // The change went through: an earlier refusal no longer describes the host.
        ClearRefusal(record);
        Records.Upsert(record);
    });

    /// <summary>A save was confirmed on the host: the saved configuration is the running one.</summary>
    public void SaveConfirmed(Guid hostId) => database.Write(() =>
    {
        if (Records.FindById(hostId) is not { HasUnsaved: true } record)
            return;
        record.Mode = null;
        record.RequireSecureBoot = null;
        record.RequireExecInstalledOnly = null;
        record.ExecInstalledOnlyConfigured = null;
        record.ChangedSince = null;
        record.ChangedBy = null;
        Records.Upsert(record);
    });

    /// <param name="facts">The host's facts the refusal was made on (<see cref="PolicyRefusal.Fingerprint(PolicyFacts)"/>).</param>
    public void Refused(Guid hostId, Guid jobId, PolicyChangeKind change, string explanation, string facts) => database.Write(() =>
    {
        var record = Records.FindById(hostId) ?? new PolicySavedRecord { Id = hostId };
        record.RefusedChange = change;
        record.RefusalExplanation = explanation;
        record.RefusedAt = Now();
        record.RefusedJob = jobId;
        record.RefusalFacts = facts;
        Records.Upsert(record);
    });

    private static void ClearRefusal(PolicySavedRecord record)
    {
        record.RefusedChange = null;
        record.RefusalExplanation = null;
        record.RefusedAt = null;
        record.RefusedJob = null;
        record.RefusalFacts = null;
    }

    private DateTime Now() => Audit.AuditChain.Truncate(time.GetUtcNow());
}

/// <summary>A confirmed save by any job (a policy job's backup.sh 0, a rotation's auto-backup.sh) makes the running policy the saved one.</summary>
internal sealed class PolicySaveWatch(PolicySavedStore saved) : IJobObserver
{
    public void StepStarting(JobRecord job, int index)
    {
    }

    public void StepFinished(JobRecord job, int index)
    {
        ArgumentNullException.ThrowIfNull(job);
        var step = job.Steps[index];
        if (step.State == StepState.Succeeded && step.Kind is StepKind.BackupNow or StepKind.BackupBefore or StepKind.BackupAfter)
            saved.SaveConfirmed(job.HostId);
    }

    public void JobFinished(JobRecord job)
    {
    }
}
