using System.Security.Cryptography;
using System.Text;
using LiteDB;
using Microsoft.Extensions.Options;
using RecoveryAssist.Server.Features.Audit;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Features.Secrets;
using RecoveryAssist.Server.Storage;

namespace RecoveryAssist.Server.Features.Alerts.Delivery;

/// <summary>
/// Notification channels (configured by an admin, audited) and the outbox that feeds them: every alert
/// change queues one notification per channel that routes it, in the alert's own transaction; the
/// worker (<see cref="AlertDeliveryWorker"/>) sends them in the background, so a channel that fails or
/// hangs never holds up what raised the alert.
/// </summary>
internal sealed class AlertDelivery : IAlertListener
{
    public const string ChannelsCollection = "alert_channels";
    public const string OutboxCollection = "alert_notifications";
    public const int MaxNameLength = 64;
    private const string SecretPurpose = "alert-channel-secret";

    private readonly AppDatabase _database;
    private readonly AuditLog _audit;
    private readonly KeySealer _sealer;
    private readonly IReadOnlyList<IChannelSender> _senders;
    private readonly DeliveryOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<AlertDelivery> _logger;
    private readonly SemaphoreSlim _signal = new(0, 1);

    public AlertDelivery(AppDatabase database, AuditLog audit, KeySealer sealer, IEnumerable<IChannelSender> senders, IOptions<DeliveryOptions> options,
        TimeProvider time, ILogger<AlertDelivery> logger)
    {
        _database = database;
        _audit = audit;
        _sealer = sealer;
        _senders = senders.ToList();
        _options = options.Value;
        _time = time;
        _logger = logger;
        Outbox.EnsureIndex(nameof(NotificationRecord.State), "$." + nameof(NotificationRecord.State));
        Channels.EnsureIndex(nameof(AlertChannelRecord.Name), "$." + nameof(AlertChannelRecord.Name), unique: true);
    }

    private ILiteCollection<AlertChannelRecord> Channels => _database.Collection<AlertChannelRecord>(ChannelsCollection);

    private ILiteCollection<NotificationRecord> Outbox => _database.Collection<NotificationRecord>(OutboxCollection);

    /// <summary>Inside the alert's transaction: one pending notification per channel that routes this change.</summary>
    public void Changed(AlertRecord alert, AlertEvent change)
    {
        var notice = AlertNotice.From(alert, change, Now());
        var queued = false;
        foreach (var channel in Channels.FindAll().Where(c => NotificationRender.Routes(c, notice)))
        {
            Outbox.Insert(new NotificationRecord { Id = Guid.NewGuid(), ChannelId = channel.Id, Notice = notice, State = NotificationState.Pending, NextAttempt = notice.At, Created = notice.At });
            queued = true;
        }
        if (queued)
            _database.AfterCommit(Wake); // woken once the notifications are there to be read
    }

    /// <summary>Wakes the worker (it also looks by itself every second).</summary>
    public void Wake()
    {
        if (_signal.CurrentCount == 0)
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
            }
        }
    }

    internal Task WaitForWorkAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);

    public IReadOnlyList<AlertChannelView> List()
    {
        var pending = Outbox.Find(DbQuery.Equal(nameof(NotificationRecord.State), NotificationState.Pending.ToString())).GroupBy(n => n.ChannelId).ToDictionary(g => g.Key, g => g.Count());
        return Channels.FindAll().OrderBy(c => c.Name, StringComparer.Ordinal).Select(c => AlertChannelView.Of(c, pending.GetValueOrDefault(c.Id))).ToList();
    }

    public AlertChannelView Get(Guid id) => AlertChannelView.Of(Find(id), PendingFor(id));

    public AlertChannelRecord Find(Guid id) => Channels.FindById(id) ?? throw new KeyNotFoundException($"Channel {id} was not found.");

    public AlertChannelRecord? FindByName(string name) => Channels.FindOne(DbQuery.Equal(nameof(AlertChannelRecord.Name), name));

    /// <exception cref="ChannelInputException">Every field that is wrong, at once; nothing is written.</exception>
    public AlertChannelView Create(AlertChannelInput input, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(input);
        var record = new AlertChannelRecord { Id = Guid.NewGuid() };
        var secret = ChannelValidation.Apply(record, input, creating: true);
        return Save(record, secret, actor, "created", isNew: true);
    }

    public AlertChannelView Update(Guid id, AlertChannelInput input, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(input);
        var record = Find(id);
        var secret = ChannelValidation.Apply(record, input, creating: false);
        return Save(record, secret, actor, "updated", isNew: false);
    }

    public void Delete(Guid id, Actor actor) => _database.Write(() =>
    {
        var record = Find(id);
        Channels.Delete(id);
        // Its queued notifications go with it: nowhere to send them.
        Outbox.DeleteMany(DbQuery.Equal(nameof(NotificationRecord.ChannelId), id));
        _audit.Append(new AuditEntry(actor.Name, "alert-channel.deleted", $"alert-channel:{record.Name}", AuditEntry.Success, actor.ClientAddress, record.Type.ToString()));
        AlertsLog.ChannelChanged(_logger, record.Name, record.Type.ToString(), "deleted", actor.Name);
    });

    private AlertChannelView Save(AlertChannelRecord record, string? secret, Actor actor, string change, bool isNew)
    {
        if (FindByName(record.Name) is { } other && other.Id != record.Id)
            throw new ChannelInputException([$"name: a channel named {record.Name} exists"]);
        if (secret is not null)
            record.Secret = Seal(record.Id, secret);
        ChannelValidation.RequireSecret(record);
        record.UpdatedBy = actor.Name;
        record.Updated = Now();
        _database.Write(() =>
        {
            if (isNew)
                Channels.Insert(record);
            else
                Channels.Update(record);
            _audit.Append(new AuditEntry(actor.Name, "alert-channel." + change, $"alert-channel:{record.Name}", AuditEntry.Success, actor.ClientAddress,
                $"{record.Type}; min severity {AlertCatalog.Name(record.MinSeverity)}; kinds {(record.Kinds.Count == 0 ? "all" : string.Join(",", record.Kinds.Select(AlertCatalog.Name)))}"
                + (secret is not null ? "; secret set" : "")));
        });
        AlertsLog.ChannelChanged(_logger, record.Name, record.Type.ToString(), change, actor.Name);
        return AlertChannelView.Of(record, PendingFor(record.Id));
    }

    /// <summary>Sends a test notice now (not queued) and says whether it arrived; recorded on the channel like any delivery.</summary>
    public async Task<ChannelTestResult> TestAsync(Guid id, Actor actor, CancellationToken cancellationToken)
    {
        var channel = Find(id);
        var now = Now();
        var notice = new AlertNotice
        {
            AlertId = Guid.Empty,
            Event = AlertEvent.Test,
            Kind = AlertKind.JobFailed,
            Severity = AlertSeverity.Info,
            State = AlertState.Open,
            HostName = "test",
            Message = $"Test notification from RecoveryAssist, sent by {actor.Name}: channel {channel.Name} works.",
            Count = 1,
            FirstSeen = now,
            LastSeen = now,
            At = now,
        };
        var error = await SendAsync(channel, notice, cancellationToken).ConfigureAwait(false);
        _database.Write(() =>
        {
            _audit.Append(new AuditEntry(actor.Name, "alert-channel.tested", $"alert-channel:{channel.Name}", error is null ? AuditEntry.Success : AuditEntry.Failed,
                actor.ClientAddress, error));
            Record(channel.Id, error);
        });
        return new ChannelTestResult(error is null, error);
    }

    /// <summary>One attempt, bounded by <see cref="DeliveryOptions.SendTimeout"/>.</summary>
    /// <returns>Null when delivered; otherwise why not (safe to store and show).</returns>
    internal async Task<string?> SendAsync(AlertChannelRecord channel, AlertNotice notice, CancellationToken cancellationToken)
    {
        var sender = _senders.FirstOrDefault(s => s.Type == channel.Type);
        if (sender is null)
            return $"no sender for {channel.Type}";
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.SendTimeout);
        try
        {
            await sender.SendAsync(channel, channel.Secret is { } sealedSecret ? Open(channel.Id, sealedSecret) : null, notice, timeout.Token).ConfigureAwait(false);
            return null;
        }
        catch (DeliveryException e)
        {
            return e.Message;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"no answer within {_options.SendTimeout.TotalSeconds:0} s";
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Anything else (a secret that no longer opens, an address the mail library refuses) is a failed attempt
            // too, counted and backed off like the rest. Its type only: a library's message may quote what it was given.
            return $"the send failed ({e.GetType().Name})";
        }
    }

    /// <summary>
    /// The queues that may be sent now, oldest first: a channel's pending notifications when the oldest of them is due.
    /// One waiting for its retry holds back the newer ones behind it, so a receiver never hears "resolved" before "opened".
    /// </summary>
    internal IReadOnlyList<NotificationRecord> Due(DateTime now, int take) =>
        Outbox.Find(DbQuery.Equal(nameof(NotificationRecord.State), NotificationState.Pending.ToString()))
            .GroupBy(n => n.ChannelId)
            .Where(queue => queue.MinBy(n => n.Created)!.NextAttempt <= now)
            .SelectMany(queue => queue)
            .OrderBy(n => n.Created).Take(take).ToList();

    internal bool IsPending(NotificationRecord notification) => Outbox.FindById(notification.Id) is { State: NotificationState.Pending };

    /// <summary>The notification as stored now, when it is still pending, due, and not attempted since <paramref name="seen"/> was read.</summary>
    internal NotificationRecord? StillDue(NotificationRecord seen, DateTime now) =>
        Outbox.FindById(seen.Id) is { State: NotificationState.Pending } current && current.Attempts == seen.Attempts && current.NextAttempt <= now ? current : null;

    /// <summary>Records an attempt's outcome on the notification and its channel; schedules the retry or gives up.</summary>
    internal void Attempted(NotificationRecord notification, string? error) => _database.Write(() =>
    {
        var now = Now();
        notification.Attempts++;
        notification.LastError = error;
        var channelName = Channels.FindById(notification.ChannelId)?.Name ?? notification.ChannelId.ToString();
        if (error is null)
        {
            notification.State = NotificationState.Delivered;
            notification.Delivered = now;
            AlertsLog.Delivered(_logger, notification.Notice.AlertId, channelName);
        }
        else if (notification.Attempts >= _options.MaxAttempts)
        {
            notification.State = NotificationState.Failed;
            AlertsLog.DeliveryAbandoned(_logger, notification.Notice.AlertId, channelName, notification.Attempts, error);
        }
        else
        {
            var delay = NotificationRender.Backoff(notification.Attempts, _options.FirstRetry, _options.MaxRetry);
            notification.NextAttempt = now + delay;
            AlertsLog.DeliveryFailed(_logger, notification.Notice.AlertId, channelName, notification.Attempts, delay, error);
        }
        Outbox.Update(notification);
        Record(notification.ChannelId, error);
    });

    public IReadOnlyList<NotificationRecord> Notifications(Guid channelId) =>
        Outbox.Find(DbQuery.Equal(nameof(NotificationRecord.ChannelId), channelId)).OrderBy(n => n.Created).ToList();

    private void Record(Guid channelId, string? error)
    {
        if (Channels.FindById(channelId) is not { } channel)
            return;
        if (error is null)
        {
            channel.LastSuccess = Now();
            channel.ConsecutiveFailures = 0;
        }
        else
        {
            channel.LastFailure = Now();
            channel.LastError = error;
            channel.ConsecutiveFailures++;
        }
        Channels.Update(channel);
    }

    private int PendingFor(Guid channelId) =>
        Outbox.Find(DbQuery.Equal(nameof(NotificationRecord.ChannelId), channelId)).Count(n => n.State == NotificationState.Pending);

    private SealedKey Seal(Guid channelId, string secret)
    {
        var bytes = Encoding.UTF8.GetBytes(secret);
        try
        {
            return _sealer.SealSecret(bytes, Binding(channelId));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    private string Open(Guid channelId, SealedKey sealedSecret)
    {
        var bytes = _sealer.OpenSecret(sealedSecret, Binding(channelId));
        try
        {
            return Encoding.UTF8.GetString(bytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    private static byte[] Binding(Guid channelId) => Encoding.ASCII.GetBytes($"{SecretPurpose}|{channelId:N}");

    private DateTime Now() => AuditChain.Truncate(_time.GetUtcNow());
}
