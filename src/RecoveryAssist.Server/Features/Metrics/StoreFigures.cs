using RecoveryAssist.Server.Features.Alerts;
using RecoveryAssist.Server.Features.Audit;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Features.HostOps;
using RecoveryAssist.Server.Features.Recovery;

namespace RecoveryAssist.Server.Features.Metrics;

/// <summary>What the store holds now, as the gauges show it. Counts and states only, never names or keys.</summary>
internal sealed record StoreFigures(
    IReadOnlyDictionary<JobState, int> Jobs,
    IReadOnlyDictionary<SessionState, int> Sessions,
    long Reveals,
    IReadOnlyList<AlertCount> Alerts,
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
    EscrowReports reports, JobStore jobs, SessionStore sessions, AlertService alertService, AuditLog audit,
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
        var coverage = reports.Coverage();
        var alerts = alertService.Counts();
        return new StoreFigures(
            jobs.CountByState(),
            sessions.CountByState(),
            sessions.RevealCount(),
            alerts,
            coverage.Hosts,
            coverage.WithoutKey.Count,
            coverage.RotationNotSaved.Select(h => h.Id).Distinct().Count(),
            audit.Count);
    }
}
