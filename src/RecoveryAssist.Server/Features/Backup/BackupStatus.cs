using System.Diagnostics.Metrics;

namespace RecoveryAssist.Server.Features.Backup;

/// <summary>
/// When the last backup succeeded and how many failed, as metrics under the meter "RecoveryAssist.Backup":
/// <c>recoveryassist_backup_last_success_timestamp_seconds</c> (0 before the first) and
/// <c>recoveryassist_backup_failures_total</c>.
/// </summary>
internal sealed class BackupStatus
{
    public const string MeterName = "RecoveryAssist.Backup";

    private long _lastSuccess;
    private long _failures;

    public BackupStatus(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("recoveryassist.backup.last_success_timestamp", () => Interlocked.Read(ref _lastSuccess), "s",
            "When the last backup was written (Unix time), or 0 before the first.");
        meter.CreateObservableCounter("recoveryassist.backup.failures", () => Interlocked.Read(ref _failures), "{backup}", "Backups that failed.");
    }

    public DateTimeOffset? LastSuccess => Interlocked.Read(ref _lastSuccess) is var s and > 0 ? DateTimeOffset.FromUnixTimeSeconds(s) : null;

    public void Succeeded(DateTimeOffset at)
    {
        var seconds = at.ToUnixTimeSeconds();
        long seen;
        do
        {
            seen = Interlocked.Read(ref _lastSuccess);
            if (seen >= seconds)
                return;
        }
        while (Interlocked.CompareExchange(ref _lastSuccess, seconds, seen) != seen);
    }

    public long Failures => Interlocked.Read(ref _failures);

    public void Failed() => Interlocked.Increment(ref _failures);
}
