namespace RecoveryAssist.Server.Features.Escrow;

/// <summary>At start, before the appliance serves: key versions escrowed before fingerprints existed get theirs.</summary>
internal sealed partial class FingerprintBackfill(KeyVersionStore keys, ILogger<FingerprintBackfill> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var given = keys.BackfillFingerprints();
        if (given > 0)
            LogBackfilled(logger, given);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "{Count} key versions escrowed before fingerprints existed now have theirs (same key on several hosts sees them)")]
    private static partial void LogBackfilled(ILogger logger, int count);
}
