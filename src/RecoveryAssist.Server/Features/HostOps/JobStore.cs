using LiteDB;
using RecoveryAssist.Server.Storage;

namespace RecoveryAssist.Server.Features.HostOps;

/// <summary>Jobs in the store: one document per job with its steps. Jobs are kept as history; nothing deletes one.</summary>
internal sealed class JobStore
{
    public const string Collection = "jobs";

    private readonly AppDatabase _database;

    public JobStore(AppDatabase database)
    {
        _database = database;
        var jobs = Jobs;
        // Expressions as text, not lambdas: LiteDB's lambda translation is per call and, on first use of a
        // type from several threads at once, can fail to see a member.
        jobs.EnsureIndex(nameof(JobRecord.HostId), "$." + nameof(JobRecord.HostId));
        jobs.EnsureIndex(nameof(JobRecord.State), "$." + nameof(JobRecord.State));
        jobs.EnsureIndex(nameof(JobRecord.SessionId), "$." + nameof(JobRecord.SessionId));
        jobs.EnsureIndex(nameof(JobRecord.Created), "$." + nameof(JobRecord.Created));
    }

    private ILiteCollection<JobRecord> Jobs => _database.Collection<JobRecord>(Collection);

    public JobRecord? Get(Guid id) => Jobs.FindById(id);

    public void Insert(JobRecord job) => _database.Write(() => Jobs.Insert(job));

    /// <summary>Saves the job; inside <see cref="AppDatabase.Write{T}"/> it commits with the caller's other writes.</summary>
    public void Save(JobRecord job) => _database.Write(() => Jobs.Update(job));

    // Query objects, not LINQ lambdas, on paths run per job (LiteDB translates a lambda per call).
    public IReadOnlyList<JobRecord> ActiveForHost(Guid hostId) =>
        Jobs.Find(DbQuery.Equal(nameof(JobRecord.HostId), hostId)).Where(j => j.IsActive).ToList();

    public IReadOnlyList<JobRecord> Active() =>
        Jobs.Find(Query.In(nameof(JobRecord.State), JobState.Pending.ToString(), JobState.Running.ToString(), JobState.NeedsPerson.ToString()))
            .OrderBy(j => j.Created).ToList();

    public bool AnyForSession(Guid sessionId) =>
        Jobs.Exists(DbQuery.Equal(nameof(JobRecord.SessionId), sessionId));

    /// <summary>Jobs in each state, counted on the State index (for metrics).</summary>
    public IReadOnlyDictionary<JobState, int> CountByState() =>
        Enum.GetValues<JobState>().ToDictionary(s => s, s => Jobs.Count(DbQuery.Equal(nameof(JobRecord.State), s.ToString())));

    public IReadOnlyList<JobRecord> List(Guid? hostId, JobState? state, int skip, int take)
    {
        var query = Jobs.Query();
        if (hostId is { } id)
            query = query.Where(DbQuery.Equal(nameof(JobRecord.HostId), id));
        if (state is { } s)
            query = query.Where(DbQuery.Equal(nameof(JobRecord.State), s.ToString()));
        return query.OrderByDescending("$." + nameof(JobRecord.Created)).Skip(skip).Limit(take).ToList();
    }
}
