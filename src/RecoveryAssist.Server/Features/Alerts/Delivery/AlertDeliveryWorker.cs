using System.Collections.Concurrent;

namespace RecoveryAssist.Server.Features.Alerts.Delivery;

/// <summary>
/// Sends queued notifications: each channel on a task of its own, bounded by the send timeout, so a
/// channel that hangs delays only its own notifications; within a channel one at a time, oldest first,
/// so a receiver hears "opened" before "resolved". Wakes when one is queued, and looks every second
/// anyway (a wake-up sent before its transaction committed is then not lost).
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
                    foreach (var queue in delivery.Due(time.GetUtcNow().UtcDateTime, Batch).GroupBy(n => n.ChannelId))
                    {
                        if (!_inFlight.ContainsKey(queue.Key))
                            _inFlight[queue.Key] = SendInOrderAsync(queue.Key, queue.ToList(), stoppingToken);
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

    /// <summary>One channel's due notifications, oldest first; stops at the first failure (the rest wait for the next pass).</summary>
    private async Task SendInOrderAsync(Guid channelId, IReadOnlyList<NotificationRecord> queue, CancellationToken stopping)
    {
        await Task.Yield();
        try
        {
            var channel = delivery.Find(channelId);
            foreach (var notification in queue)
            {
                // The pass's list may be older than an attempt that just ended: only what is still due now is sent,
                // and one that now waits for its retry holds the rest of the queue behind it.
                if (delivery.StillDue(notification, time.GetUtcNow().UtcDateTime) is not { } due)
                {
                    if (delivery.IsPending(notification))
                        break;
                    continue;
                }
                var error = await delivery.SendAsync(channel, due.Notice, stopping).ConfigureAwait(false);
                delivery.Attempted(due, error);
                if (error is not null)
                    break;
            }
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
            _inFlight.TryRemove(channelId, out _);
        }
    }
}
