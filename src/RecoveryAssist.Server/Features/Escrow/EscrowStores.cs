using System.Globalization;
using LiteDB;
using RecoveryAssist.Core.Esxcli;
using RecoveryAssist.Core.Keys;
using RecoveryAssist.Server.Features.Audit;
using RecoveryAssist.Server.Features.Secrets;
using RecoveryAssist.Server.Storage;

namespace RecoveryAssist.Server.Features.Escrow;

/// <summary>
/// The escrow's hosts, for the features that read them (Recovery, Boot, HostOps, Policy). Only Escrow names its
/// collections (a test scans the sources for it): other features come through here.
/// </summary>
internal sealed class HostStore(AppDatabase database)
{
    internal const string Collection = "hosts";

    private ILiteCollection<HostRecord> Hosts => database.Collection<HostRecord>(Collection);

    public HostRecord? Find(Guid id) => Hosts.FindById(id);

    public HostRecord? FindByName(string name) => Hosts.FindOne(DbQuery.Equal(nameof(HostRecord.NameKey), HostIdentity.NameKey(name)));

    public IEnumerable<HostRecord> All() => Hosts.FindAll();

    public long Count() => Hosts.LongCount();

    public IEnumerable<HostRecord> ByName() => Hosts.Query().OrderBy(h => h.NameKey).ToEnumerable();

    /// <summary>Writes a changed host (e.g. an identity bound by a network boot); the caller audits in the same transaction.</summary>
    public void Update(HostRecord host) => Hosts.Update(host);

    internal void Insert(HostRecord host) => Hosts.Insert(host);

    internal ILiteCollection<HostRecord> Records => Hosts;

    public static void EnsureIndexes(AppDatabase database)
    {
        var hosts = database.Collection<HostRecord>(Collection);
        hosts.EnsureIndex(h => h.NameKey, unique: true);
        hosts.EnsureIndex(h => h.SmbiosUuid);
        hosts.EnsureIndex(h => h.Serial);
        hosts.EnsureIndex("MacAddresses", "$.MacAddresses[*]");
        hosts.EnsureIndex("Tags", "$.Tags[*]");
    }
}

/// <summary>
/// The escrow's key versions: reading them, opening a key (the caller audits the read first), and the one place
/// a version's status changes, with one audit action (<see cref="StatusAction"/>). Versions are append-only.
/// </summary>
internal sealed class KeyVersionStore(AppDatabase database, KeySealer sealer, AuditLog audit)
{
    internal const string Collection = "key_versions";

    /// <summary>The audit action of every key status change (detail: version, from, to, why).</summary>
    public const string StatusAction = "key.status";

    private ILiteCollection<KeyVersionRecord> Keys => database.Collection<KeyVersionRecord>(Collection);

    public static void EnsureIndexes(AppDatabase database)
    {
        var keys = database.Collection<KeyVersionRecord>(Collection);
        keys.EnsureIndex(k => k.HostId);
        keys.EnsureIndex(k => k.RecoveryId);
        keys.EnsureIndex(k => k.Fingerprint);
    }

    /// <summary>Versions of other hosts holding the same key (by fingerprint) or the same Recovery ID: a copy/paste accident on import, or a cloned host.</summary>
    public IReadOnlyList<KeyVersionRecord> SharedWithOthers(KeyVersionRecord version)
    {
        var sameId = Keys.Find(DbQuery.Equal(nameof(KeyVersionRecord.RecoveryId), version.RecoveryId));
        var sameKey = version.Fingerprint is null ? [] : Keys.Find(DbQuery.Equal(nameof(KeyVersionRecord.Fingerprint), version.Fingerprint));
        return sameId.Concat(sameKey).Where(v => v.HostId != version.HostId).DistinctBy(v => v.Id).ToList();
    }

    // Query objects, not LINQ lambdas: LiteDB translates a lambda on every call, which costs more than the lookup.
    public IReadOnlyList<KeyVersionRecord> Of(Guid hostId) =>
        Keys.Find(DbQuery.Equal(nameof(KeyVersionRecord.HostId), hostId)).OrderBy(k => k.Version).ToList();

    public KeyVersionRecord? Find(Guid hostId, int version) => Keys.FindById(KeyVersionRecord.MakeId(hostId, version));

    public IEnumerable<KeyVersionRecord> All() => Keys.FindAll();

    /// <summary>
    /// Gives every version escrowed before fingerprints existed its fingerprint (opening each under the KEK),
    /// so "same key on several hosts" sees old keys too. One transaction; returns how many were given one.
    /// </summary>
    public int BackfillFingerprints() => database.Write(() =>
    {
        var missing = Keys.Find(DbQuery.Equal(nameof(KeyVersionRecord.Fingerprint), BsonValue.Null)).ToList();
        foreach (var version in missing)
        {
            version.Fingerprint = sealer.Fingerprint(Open(version));
            Keys.Update(version);
        }
        // Keys were opened: say so where every opening is told, with how many and why (no key, no fingerprint).
        if (missing.Count > 0)
        {
            audit.Append(new AuditEntry("system:fingerprint-backfill", "key.fingerprinted", "escrow", AuditEntry.Success, null,
                string.Create(CultureInfo.InvariantCulture, $"{missing.Count} key versions escrowed before fingerprints existed were opened to compute theirs")));
        }
        return missing.Count;
    });

    /// <summary>How many versions a store holds, without a sealer (e.g. a backup just restored, to report).</summary>
    public static long Count(AppDatabase database) => database.Collection<KeyVersionRecord>(Collection).LongCount();

    /// <summary>The version the host's next boot needs (newest saved), and how many saved versions there are; null when none.</summary>
    public KeyVersionRecord? Saved(Guid hostId, out int savedCount)
    {
        var versions = Of(hostId);
        var saved = KeyReconciler.Saved(versions.Select(Held));
        savedCount = saved.Count;
        return saved.Count == 0 ? null : versions.Single(v => v.Version == saved[0].Version);
    }

    /// <summary>Running versions whose save is not confirmed, newest first: a reveal offers them as second candidates.</summary>
    public IReadOnlyList<KeyVersionRecord> Unsaved(Guid hostId) =>
        Of(hostId).Where(v => v.Status == KeyStatus.Unsaved).OrderByDescending(v => v.Version).ToList();

    public RecoveryKey Open(KeyVersionRecord version) => sealer.Open(version.Sealed, Binding(version));

    /// <summary>The escrowed version holding exactly this Recovery ID and key (any status, newest first), or null. Compares in fixed time.</summary>
    public KeyVersionRecord? Match(Guid hostId, RecoveryListEntry entry, IEnumerable<KeyVersionRecord>? among = null)
    {
        var recoveryId = entry.RecoveryId.ToString();
        return (among ?? Of(hostId))
            .Where(v => v.RecoveryId == recoveryId)
            .OrderByDescending(v => v.Version)
            .FirstOrDefault(v => Open(v).FixedTimeEquals(entry.Key));
    }

    internal KeyVersionRecord Insert(Guid hostId, int version, RecoveryListEntry entry, KeySource source, KeyStatus status, DateTime now, bool seenOnHost)
    {
        var record = new KeyVersionRecord
        {
            Id = KeyVersionRecord.MakeId(hostId, version),
            HostId = hostId,
            Version = version,
            RecoveryId = entry.RecoveryId.ToString(),
            Source = source,
            Status = status,
            FirstSeen = now,
            LastVerified = now,
            VerifiedOnHost = seenOnHost ? now : null,
            Fingerprint = sealer.Fingerprint(entry.Key),
        };
        record.Sealed = sealer.Seal(entry.Key, Binding(record));
        Keys.Insert(record);
        return record;
    }

    internal void Touch(KeyVersionRecord record) => Keys.Update(record);

    /// <summary>
    /// Changes a version's status and audits it, in the caller's transaction (joins it, or opens one).
    /// A used version keeps that status: it records that the key was typed, which nothing undoes.
    /// </summary>
    /// <returns>False when nothing changed.</returns>
    public bool ChangeStatus(HostRecord host, KeyVersionRecord record, KeyStatus to, string reason, string actor, string? clientAddress, DateTime now)
    {
        if (record.Status == to || (record.Status == KeyStatus.Used && to != KeyStatus.Used))
            return false;
        var from = record.Status;
        database.Write(() =>
        {
            record.Status = to;
            record.StatusChanged = now;
            Keys.Update(record);
            audit.Append(new AuditEntry(actor, StatusAction, EscrowService.Target(host), AuditEntry.Success, clientAddress,
                string.Create(CultureInfo.InvariantCulture, $"version {record.Version}: {Name(from)} -> {Name(to)}; Recovery ID {record.RecoveryId}; {reason}")));
        });
        return true;
    }

    public static HeldVersion Held(KeyVersionRecord v) => new(v.Version, v.RecoveryId, v.Status);

    public static string Name(KeyStatus status) => status switch
    {
        KeyStatus.NeverSaved => "never-saved",
        _ => status.ToString().ToLowerInvariant(),
    };

    private static KeyBinding Binding(KeyVersionRecord v) => new(v.HostId, RecoveryId.Parse(v.RecoveryId), v.Version);
}
