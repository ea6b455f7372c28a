using RecoveryAssist.Server.Features.Audit;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Features.HostOps;
using RecoveryAssist.Server.Features.Recovery;
using RecoveryAssist.Server.Storage;

namespace RecoveryAssist.Server.Features.Metrics;

/// <summary>What the store holds now, as the gauges show it. Counts and states only, never names or keys.</summary>
internal sealed record StoreFigures(
    IReadOnlyDictionary<JobState, int> Jobs,
    IReadOnlyDictionary<SessionState, int> Sessions,
    long Reveals,
    IReadOnlyDictionary<AlertKind, int> Alerts,
    int Hosts,
    int HostsWithoutCurrentKey,
    int RotationsNotSaved,
    long AuditRecords);

/// <summary>
/// Reads <see cref="StoreFigures"/> through each feature's own store, and keeps the result for
/// <see cref="MetricsOptions.StoreRefreshSeconds"/>: a scrape (or several Prometheus servers) never
/// costs more than one read of the coverage report per period, however many hosts there are.
/// </summary>
internal sealed class StoreFiguresReader(
    EscrowService escrow, JobStore jobs, SessionStore sessions, AppDatabase database, AuditLog audit,
    TimeProvider time, Microsoft.Extensions.Options.IOptions<MetricsOptions> options)
{
    private readonly Lock _lock = new();
    private StoreFigures? _figures;
    private long _readAt;

    public StoreFigures Current()
    {
        lock (_lock)
        {
            if (_figures is null || time.GetElapsedTime(_readAt) >= TimeSpan.FromSeconds(options.Value.StoreRefreshSeconds))
            {
                _figures = Read();
                _readAt = time.GetTimestamp();
            }
            return _figures;
        }
    }

    private StoreFigures Read()
    {
        var coverage = escrow.Coverage();
        var alerts = AlertCounts();
        return new StoreFigures(
            jobs.CountByState(),
            sessions.CountByState(),
            sessions.RevealCount(),
            alerts,
            coverage.Hosts,
            coverage.WithoutKey.Count,
            // The escrow has no "rotation not saved" state yet: an EscrowAtRisk alert is what marks one today.
            // When Escrow records that state, read its count here instead.
            alerts[AlertKind.EscrowAtRisk],
            audit.Count);
    }

    /// <summary>Alerts raised, by kind (every kind present, zero included, so each series always exists).</summary>
    private Dictionary<AlertKind, int> AlertCounts()
    {
        // HostOps' alerts type offers no count; its collection is read here, kinds only.
        var counts = Enum.GetValues<AlertKind>().ToDictionary(k => k, _ => 0);
        foreach (var kind in database.Collection<AlertRecord>(HostOpsAlerts.Collection).Query().Select(a => a.Kind).ToEnumerable())
            counts[kind]++;
        return counts;
    }
}
