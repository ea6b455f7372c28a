using Microsoft.Extensions.Options;
using RecoveryAssist.Server.Features.Escrow;

namespace RecoveryAssist.Server.Features.HostOps;

/// <summary>
/// Scheduled work: collection of every host at <see cref="HostOpsOptions.CollectIntervalMinutes"/>, the
/// rotation policy (<see cref="HostOpsOptions.RotationPolicyDays"/>), and a post-recovery job for every
/// recovery session whose key was revealed (the job waits for the host to answer SSH).
/// </summary>
internal sealed class HostOpsScheduler(
    HostOpsService service,
    JobStore jobs,
    HostSshAccess access,
    IRecoveryHandoff recovery,
    IOptions<HostOpsOptions> options,
    TimeProvider time,
    ILogger<HostOpsScheduler> logger) : BackgroundService
{
    private static readonly Actor Scheduler = new("system:scheduler", null);

    private readonly HostOpsOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var periods = new List<int>();
        if (_options.RecoveryWatchSeconds > 0)
            periods.Add(_options.RecoveryWatchSeconds);
        if (_options.CollectIntervalMinutes > 0 || _options.RotationPolicyDays > 0)
            periods.Add(60);
        if (periods.Count == 0)
            return;
        var tick = TimeSpan.FromSeconds(periods.Min());
        // Per host, so that a host enrolled meanwhile is collected at the next tick, not a whole interval later.
        var lastCollect = new Dictionary<Guid, DateTimeOffset>();
        DateTimeOffset? lastPolicy = null;
        using var timer = new PeriodicTimer(tick, time);
        do
        {
            try
            {
                var now = time.GetUtcNow();
                if (_options.RecoveryWatchSeconds > 0)
                    WatchRecoveries();
                if (_options.CollectIntervalMinutes > 0)
                {
                    var interval = TimeSpan.FromMinutes(_options.CollectIntervalMinutes);
                    var due = access.HostIds().Where(id => !lastCollect.TryGetValue(id, out var at) || now - at >= interval).ToList();
                    foreach (var hostId in due)
                    {
                        service.Start(JobKind.Collect, hostId, null, Scheduler);
                        lastCollect[hostId] = now;
                    }
                    if (due.Count > 0)
                        HostOpsLog.Scheduled(logger, due.Count, JobKind.Collect);
                }
                if (_options.RotationPolicyDays > 0 && (lastPolicy is null || now - lastPolicy >= TimeSpan.FromHours(1)))
                {
                    lastPolicy = now;
                    var due = service.HostsDueForRotation(TimeSpan.FromDays(_options.RotationPolicyDays));
                    foreach (var hostId in due)
                        service.Start(JobKind.Rotate, hostId, null, Scheduler);
                    if (due.Count > 0)
                        HostOpsLog.Scheduled(logger, due.Count, JobKind.Rotate);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                HostOpsLog.SchedulerFailed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>A revealed session whose host has SSH access and no job yet gets a post-recovery job.</summary>
    private void WatchRecoveries()
    {
        var started = 0;
        foreach (var (sessionId, hostId) in recovery.AwaitingHost())
        {
            if (jobs.AnyForSession(sessionId) || access.Find(hostId) is null)
                continue;
            if (jobs.ActiveForHost(hostId).Any(j => j.Blocks(JobKind.PostRecovery)))
                continue;
            service.Start(JobKind.PostRecovery, hostId, sessionId, Scheduler);
            started++;
        }
        if (started > 0)
            HostOpsLog.Scheduled(logger, started, JobKind.PostRecovery);
    }
}
