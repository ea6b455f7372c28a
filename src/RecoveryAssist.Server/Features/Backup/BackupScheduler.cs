using Microsoft.Extensions.Options;
using RecoveryAssist.Server.Features.Escrow;

namespace RecoveryAssist.Server.Features.Backup;

/// <summary>
/// Writes a KEK-sealed backup every <see cref="BackupOptions.IntervalHours"/> into
/// <see cref="BackupOptions.Directory"/> and keeps the newest <see cref="BackupOptions.Keep"/>.
/// A failure is logged and counted, and the next attempt comes one interval later.
/// </summary>
internal sealed partial class BackupScheduler(BackupService backups, BackupStatus status, IOptions<BackupOptions> options, TimeProvider time, ILogger<BackupScheduler> logger)
    : BackgroundService
{
    private static readonly Actor Timer = new("system:backup-timer", null);

    private DateTimeOffset? _newest;

    /// <summary>
    /// A backup that is due when the appliance starts is written here, before the appliance serves: a restart
    /// after a long stop leaves a fresh backup before the first change, and the newest backup's time is known
    /// before start returns (.NET runs <see cref="ExecuteAsync"/> later, on a task of its own).
    /// </summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        backups.RemoveLeftovers();
        var settings = options.Value;
        if (!string.IsNullOrWhiteSpace(settings.Directory))
        {
            _newest = Existing(settings.Directory).Select(f => (DateTimeOffset?)File.GetLastWriteTimeUtc(f)).FirstOrDefault();
            if (_newest is { } last && last + TimeSpan.FromHours(settings.IntervalHours) > time.GetUtcNow())
            {
                status.Succeeded(last);
            }
            else
            {
                RunOnce(settings);
                _newest = time.GetUtcNow();
            }
        }
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (_newest is not { } newest)
            return;
        var interval = TimeSpan.FromHours(settings.IntervalHours);
        var wait = newest + interval - time.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            if (wait > TimeSpan.Zero)
                await Task.Delay(wait, time, stoppingToken).ConfigureAwait(false);
            RunOnce(settings);
            wait = interval;
        }
    }

    /// <summary>One backup and the pruning after it; a failure is logged (and counted by the service), never thrown.</summary>
    public void RunOnce(BackupOptions settings)
    {
        try
        {
            var path = backups.WriteFile(settings.Directory, Timer);
            foreach (var old in Existing(settings.Directory).Skip(settings.Keep))
                File.Delete(old);
            LogWritten(logger, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or LiteDB.LiteException or BackupException)
        {
            // BackupService has counted it (the failures metric).
            LogTimerFailed(logger, settings.Directory, e.Message);
        }
    }

    /// <summary>The backups in <paramref name="directory"/>, newest first (the names sort by time).</summary>
    private static IEnumerable<string> Existing(string directory) =>
        Directory.Exists(directory)
            ? Directory.GetFiles(directory, "recoveryassist-*" + BackupService.FileExtension).OrderDescending(StringComparer.Ordinal)
            : [];

    [LoggerMessage(EventId = 9110, Level = LogLevel.Information, Message = "Scheduled backup written to {Path}")]
    private static partial void LogWritten(ILogger logger, string path);

    [LoggerMessage(EventId = 9111, Level = LogLevel.Error, Message = "Scheduled backup into {Directory} failed: {Reason}; next attempt in one interval")]
    private static partial void LogTimerFailed(ILogger logger, string directory, string reason);
}
