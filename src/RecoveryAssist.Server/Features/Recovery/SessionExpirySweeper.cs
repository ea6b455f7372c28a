using Microsoft.Extensions.Options;

namespace RecoveryAssist.Server.Features.Recovery;

/// <summary>
/// Moves sessions past their expiry to expired even when nobody looks at them, so that the audit log
/// records the expiry near the time it happened. Reads and actions expire sessions on their own too.
/// </summary>
internal sealed partial class SessionExpirySweeper(
    RecoverySessionService sessions, TimeProvider time, IOptions<RecoveryOptions> options, ILogger<SessionExpirySweeper> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.SweepSeconds), time);
        try
        {
            do
            {
                try
                {
                    sessions.ExpireDue();
                }
                catch (LiteDB.LiteException e)
                {
                    LogSweepFailed(logger, e);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 4010, Level = LogLevel.Error, Message = "Expiring recovery sessions failed; will retry")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}

internal static class RecoveryServices
{
    public static IServiceCollection AddRecovery(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RecoveryOptions>().Bind(configuration.GetSection(RecoveryOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RecoveryOptions>, RecoveryOptionsValidator>();
        services.AddSingleton<SessionStore>();
        services.AddSingleton<EscrowedKeys>();
        services.AddSingleton<RecoverySessionService>();
        services.AddHostedService<SessionExpirySweeper>();
        return services;
    }
}
