using LiteDB;
using RecoveryAssist.Server.Storage;

namespace RecoveryAssist.Server.Features.Recovery;

/// <summary>The sessions collection. Callers write inside <see cref="AppDatabase.Write{T}"/>; nothing here deletes.</summary>
internal sealed class SessionStore
{
    public const string Collection = "recovery_sessions";

    private readonly AppDatabase _database;

    public SessionStore(AppDatabase database)
    {
        _database = database;
        Sessions.EnsureIndex(s => s.HostId);
        Sessions.EnsureIndex(s => s.State);
    }

    private ILiteCollection<RecoverySession> Sessions => _database.Collection<RecoverySession>(Collection);

    public RecoverySession? Find(Guid id) => Sessions.FindById(id);

    /// <summary>The host's open sessions (at most one, unless the store was edited by hand).</summary>
    public IReadOnlyList<RecoverySession> OpenForHost(Guid hostId) =>
        Sessions.Find(s => s.HostId == hostId).Where(s => s.IsOpen).ToList();

    /// <summary>The host's newest session, open or not.</summary>
    public RecoverySession? LatestForHost(Guid hostId) =>
        Sessions.Find(s => s.HostId == hostId).OrderByDescending(s => s.Opened).FirstOrDefault();

    public IReadOnlyList<RecoverySession> Open() =>
        Sessions.Find(s => s.State != SessionState.Completed && s.State != SessionState.Expired && s.State != SessionState.Cancelled).ToList();

    public IReadOnlyList<RecoverySession> List(Guid? hostId, bool openOnly, int skip, int take)
    {
        var query = Sessions.Query();
        if (hostId is { } id)
            query = query.Where(s => s.HostId == id);
        if (openOnly)
            query = query.Where(s => s.State != SessionState.Completed && s.State != SessionState.Expired && s.State != SessionState.Cancelled);
        return query.OrderByDescending(s => s.Opened).Skip(skip).Limit(take).ToList();
    }

    /// <summary>Sessions in each state, counted on the State index (for metrics).</summary>
    public IReadOnlyDictionary<SessionState, int> CountByState() =>
        Enum.GetValues<SessionState>().ToDictionary(s => s, s => Sessions.Count(DbQuery.Equal(nameof(RecoverySession.State), s.ToString())));

    /// <summary>Keys revealed in all sessions, ever (for metrics; sessions are few, and the caller caches).</summary>
    public long RevealCount() => Sessions.Query().Select(s => s.Reveals.Count).ToEnumerable().Sum(c => (long)c);

    public void Insert(RecoverySession session) => Sessions.Insert(session);

    public void Update(RecoverySession session) => Sessions.Update(session);
}
