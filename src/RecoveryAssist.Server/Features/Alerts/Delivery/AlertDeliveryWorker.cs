using System.Collections.Concurrent;

namespace RecoveryAssist.Server.Features.Alerts.Delivery;

/// <summary>
/// Sends queued notifications: each attempt on a task of its own, bounded by the send timeout, so a
/// channel that hangs delays only its own notifications. Wakes when one is queued, and looks every
/// second anyway (a wake-up sent before its transaction committed is then not lost).
/// </summary>
internal sealed class AlertDeliveryWorker(AlertDelivery delivery, TimeProvider time, ILogger<AlertDeliveryWorker> logger) : BackgroundService
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);
    private const int Batch = 100;

    private readonly ConcurrentDictionary<Guid, Task> _inFlight = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    foreach (var notification in delivery.Due(time.GetUtcNow().UtcDateTime, Batch))
                    {
                        if (!_inFlight.ContainsKey(notification.Id))
                            _inFlight[notification.Id] = AttemptAsync(notification, stoppingToken);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    AlertsLog.DeliveryPassFailed(logger, e);
                }
                await delivery.WaitForWorkAsync(Poll, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        await Task.WhenAll(_inFlight.Values).ConfigureAwait(false);
    }

    private async Task AttemptAsync(NotificationRecord notification, CancellationToken stopping)
    {
        await Task.Yield();
        try
        {
            // The pass's list may be older than an attempt that just ended: only what is still due now is sent.
            if (delivery.StillDue(notification, time.GetUtcNow().UtcDateTime) is not { } due)
                return;
            var channel = delivery.Find(due.ChannelId);
            var error = await delivery.SendAsync(channel, due.Notice, stopping).ConfigureAwait(false);
            delivery.Attempted(due, error);
        }
        catch (KeyNotFoundException)
        {
            // The channel was deleted meanwhile (with its queue).
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Still pending: sent after the next start.
        }
        catch (Exception e)
        {
            AlertsLog.DeliveryPassFailed(logger, e);
        }
        finally
        {
            _inFlight.TryRemove(notification.Id, out _);
        }
    }
}
