using LiteDB;
using RecoveryAssist.Server.Features.Audit;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Hosting;
using RecoveryAssist.Server.Storage;

namespace RecoveryAssist.Server.Features.Policy;

/// <summary>Desired policies by scope (default, tag, host). Every change is audited in the same transaction.</summary>
internal sealed class DesiredPolicyStore(AppDatabase database, AuditLog audit, TimeProvider time)
{
    public const string Collection = "policy_desired";

    private ILiteCollection<DesiredPolicyRecord> Records => database.Collection<DesiredPolicyRecord>(Collection);

    public IReadOnlyList<DesiredPolicyRecord> All() => Records.FindAll().OrderBy(r => r.Scope).ThenBy(r => r.Id, StringComparer.Ordinal).ToList();

    /// <summary>What applies to a host: its own, its tags' (those that have one), the fleet default.</summary>
    public (PolicySettings? Host, IReadOnlyList<(string Tag, PolicySettings Settings)> Tags, PolicySettings? Fleet) For(HostRecord host, IReadOnlyDictionary<string, DesiredPolicyRecord>? all = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        DesiredPolicyRecord? Find(string id) => all is not null ? all.GetValueOrDefault(id) : Records.FindById(id);
        var own = Find(DesiredPolicyRecord.MakeId(DesiredScope.Host, null, host.Id))?.Settings;
        var tags = host.Tags
            .Select(t => (Tag: t, Record: Find(DesiredPolicyRecord.MakeId(DesiredScope.Tag, t, null))))
            .Where(t => t.Record is not null)
            .Select(t => (t.Tag, t.Record!.Settings))
            .ToList();
        return (own, tags, Find(DesiredPolicyRecord.MakeId(DesiredScope.Default, null, null))?.Settings);
    }

    public IReadOnlyDictionary<string, DesiredPolicyRecord> Snapshot() => Records.FindAll().ToDictionary(r => r.Id, StringComparer.Ordinal);

    public DesiredPolicyRecord Set(DesiredScope scope, string? tag, HostRecord? host, PolicySettings settings, Actor actor) => database.Write(() =>
    {
        var record = new DesiredPolicyRecord
        {
            Id = DesiredPolicyRecord.MakeId(scope, tag, host?.Id),
            Scope = scope,
            Tag = tag,
            HostId = host?.Id,
            Mode = settings.Mode,
            RequireSecureBoot = settings.RequireSecureBoot,
            RequireExecInstalledOnly = settings.RequireExecInstalledOnly,
            UpdatedBy = actor.Name,
            Updated = AuditChain.Truncate(time.GetUtcNow()),
        };
        Records.Upsert(record);
        audit.Append(new AuditEntry(actor.Name, "policy.desired-set", Target(scope, tag, host), AuditEntry.Success, actor.ClientAddress, settings.ToString()));
        return record;
    });

    /// <returns>False when the scope had no desired policy.</returns>
    public bool Remove(DesiredScope scope, string? tag, HostRecord? host, Actor actor) => database.Write(() =>
    {
        if (!Records.Delete(DesiredPolicyRecord.MakeId(scope, tag, host?.Id)))
            return false;
        audit.Append(new AuditEntry(actor.Name, "policy.desired-removed", Target(scope, tag, host), AuditEntry.Success, actor.ClientAddress));
        return true;
    });

    public static string Target(DesiredScope scope, string? tag, HostRecord? host) => scope switch
    {
        DesiredScope.Default => "policy:default",
        DesiredScope.Tag => "tag:" + tag,
        _ => EscrowService.Target(host!),
    };
}
