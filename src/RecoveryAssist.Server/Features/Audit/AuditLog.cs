using System.Security.Cryptography;
using System.Text;
using RecoveryAssist.Server.Features.Secrets;
using RecoveryAssist.Server.Storage;

namespace RecoveryAssist.Server.Features.Audit;

/// <summary>
/// The append-only, hash-chained audit log in the store. <see cref="Append"/> joins the caller's
/// transaction: the record and the operation it records commit together, and an operation whose
/// record cannot be written fails with it.
/// </summary>
internal sealed class AuditLog
{
    public const string RecordsCollection = "audit";
    public const string HeadCollection = "audit_head";

    private static readonly byte[] HeadKeyInfo = Encoding.ASCII.GetBytes("RecoveryAssist audit head v1");

    private readonly AppDatabase _database;
    private readonly TimeProvider _time;
    private readonly byte[] _headKey;
    private readonly AuditSink? _sink;

    /// <param name="sink">Where each record is copied once its transaction commits; null for none.</param>
    public AuditLog(AppDatabase database, KeyEncryptionKey kek, TimeProvider time, AuditSink? sink = null)
    {
        _database = database;
        _time = time;
        _headKey = DeriveHeadKey(kek);
        _sink = sink;
    }

    public static byte[] DeriveHeadKey(KeyEncryptionKey kek) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.ASCII.GetBytes(kek.DeriveDatabasePassword()), 32, salt: null, info: HeadKeyInfo);

    public AuditRecord Append(AuditEntry entry) => _database.Write(() =>
    {
        var heads = _database.Collection<AuditHead>(HeadCollection);
        var head = heads.FindById(AuditHead.SingletonId);
        var record = new AuditRecord
        {
            Id = (head?.Sequence ?? 0) + 1,
            Time = AuditChain.Truncate(_time.GetUtcNow()),
            Actor = entry.Actor,
            Action = entry.Action,
            Target = entry.Target,
            Outcome = entry.Outcome,
            ClientAddress = entry.ClientAddress,
            Detail = entry.Detail,
            PreviousHash = head?.Hash ?? AuditChain.GenesisHash,
        };
        record.Hash = AuditChain.ComputeHash(record);
        _database.Collection<AuditRecord>(RecordsCollection).Insert(record);
        heads.Upsert(new AuditHead
        {
            Sequence = record.Id,
            Hash = record.Hash,
            Mac = AuditChain.ComputeHeadMac(_headKey, record.Id, record.Hash),
        });
        if (_sink is { } sink)
            _database.AfterCommit(() => sink.Publish(record));
        return record;
    });

    public IReadOnlyList<AuditRecord> Read(long afterId, int limit, string? target = null)
    {
        var records = _database.Collection<AuditRecord>(RecordsCollection);
        var query = records.Query().Where(r => r.Id > afterId);
        if (target is not null)
            query = query.Where(r => r.Target == target);
        return query.OrderBy(r => r.Id).Limit(limit).ToList();
    }

    /// <summary>
    /// The newest records first, filtered for people: <paramref name="target"/> and <paramref name="actor"/>
    /// by any part (case-insensitive), <paramref name="action"/> by its start (e.g. "session."), and a time range.
    /// </summary>
    public IReadOnlyList<AuditRecord> Search(string? target, string? actor, string? action, DateTime? from, DateTime? to, int take)
    {
        var query = _database.Collection<AuditRecord>(RecordsCollection).Query();
        if (!string.IsNullOrWhiteSpace(target))
            query = query.Where("LOWER($.Target) LIKE @0", new LiteDB.BsonValue("%" + target.Trim().ToLowerInvariant() + "%"));
        if (!string.IsNullOrWhiteSpace(actor))
            query = query.Where("LOWER($.Actor) LIKE @0", new LiteDB.BsonValue("%" + actor.Trim().ToLowerInvariant() + "%"));
        if (!string.IsNullOrWhiteSpace(action))
            query = query.Where("$.Action LIKE @0", new LiteDB.BsonValue(action.Trim() + "%"));
        if (from is { } start)
            query = query.Where("$.Time >= @0", new LiteDB.BsonValue(start));
        if (to is { } end)
            query = query.Where("$.Time <= @0", new LiteDB.BsonValue(end));
        return query.OrderByDescending(r => r.Id).Limit(take).ToList();
    }

    /// <summary>Null when the chain holds; otherwise the first problem found.</summary>
    public string? Verify() => Verify(_database, _headKey);

    public static string? Verify(AppDatabase database, byte[] headKey)
    {
        var records = database.Collection<AuditRecord>(RecordsCollection).Query().OrderBy(r => r.Id).ToEnumerable();
        var head = database.Collection<AuditHead>(HeadCollection).FindById(AuditHead.SingletonId);
        return AuditChain.Verify(records, head, headKey);
    }

    public long Count => _database.Collection<AuditRecord>(RecordsCollection).LongCount();

}
