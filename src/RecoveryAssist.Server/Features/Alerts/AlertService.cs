using LiteDB;
using RecoveryAssist.Server.Features.Audit;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Features.HostOps;
using RecoveryAssist.Server.Storage;

namespace RecoveryAssist.Server.Features.Alerts;

/// <summary>Sees every change to an alert inside its transaction (delivery queues its notifications there, so none is lost or sent for a change that rolled back).</summary>
internal interface IAlertListener
{
    void Changed(AlertRecord alert, AlertEvent change);
}

/// <summary>
/// The alerts: raised by features (host operations, policy, escrow), acknowledged and resolved by
/// people, resolved by the appliance when their condition clears. One active alert per host and kind;
/// every transition is stored, audited in the same transaction, and logged. Messages and notes are
/// redacted and never carry key material.
/// </summary>
internal sealed class AlertService
{
    public const string Collection = "alerts";

    private readonly AppDatabase _database;
    private readonly AuditLog _audit;
    private readonly JobStore _jobs;
    private readonly TimeProvider _time;
    private readonly IEnumerable<IAlertListener> _listeners;
    private readonly ILogger<AlertService> _logger;

    public AlertService(AppDatabase database, AuditLog audit, JobStore jobs, TimeProvider time, IEnumerable<IAlertListener> listeners, ILogger<AlertService> logger)
    {
        _database = database;
        _audit = audit;
        _jobs = jobs;
        _time = time;
        _listeners = listeners;
        _logger = logger;
        Alerts.EnsureIndex(nameof(AlertRecord.HostId), "$." + nameof(AlertRecord.HostId));
        Alerts.EnsureIndex(nameof(AlertRecord.State), "$." + nameof(AlertRecord.State));
        Alerts.EnsureIndex(nameof(AlertRecord.LastSeen), "$." + nameof(AlertRecord.LastSeen));
    }

    private ILiteCollection<AlertRecord> Alerts => _database.Collection<AlertRecord>(Collection);

    /// <summary>Raises an alert: a new one, or the host's active alert of this kind counted again. Joins the caller's transaction.</summary>
    public AlertRecord Raise(AlertKind kind, Guid hostId, string hostName, Guid? jobId, string message)
    {
        var alert = _database.Write(() =>
        {
            var active = ActiveForHost(hostId).FirstOrDefault(a => a.Kind == kind);
            var isNew = AlertMachine.Raise(active, kind, hostId, hostName, jobId, message, Now(), out var alert);
            if (isNew)
                Alerts.Insert(alert);
            else
                Alerts.Update(alert);
            _audit.Append(new AuditEntry(Actor.System.Name, isNew ? AlertAudit.Raised : AlertAudit.Repeated, $"host:{hostName}", AuditEntry.Failed, null,
                $"{kind} ({AlertCatalog.Name(alert.Severity)}) alert {alert.Id}" + (isNew ? "" : $", seen {alert.Count} times") + $": {alert.Message}"
                + (jobId is { } id ? $"; job {id}" : "")));
            if (isNew)
                Notify(alert, AlertEvent.Opened);
            return alert;
        });
        AlertsLog.Raised(_logger, kind, AlertCatalog.Severity(kind), hostName, jobId, alert.Count, alert.Message);
        return alert;
    }

    /// <exception cref="AlertRefusedException">Not open, or no note.</exception>
    public AlertRecord Acknowledge(Guid id, Actor actor, string? note) => Transition(id, actor, alert => AlertMachine.Acknowledge(alert, actor.Name, note, Now()),
        AlertAudit.Acknowledged, AlertEvent.Acknowledged);

    /// <exception cref="AlertRefusedException">Already resolved, or no note.</exception>
    public AlertRecord Resolve(Guid id, Actor actor, string? note) => Transition(id, actor, alert => AlertMachine.Resolve(alert, actor.Name, note, Now()),
        AlertAudit.Resolved, AlertEvent.Resolved);

    private AlertRecord Transition(Guid id, Actor actor, Action<AlertRecord> change, string action, AlertEvent alertEvent)
    {
        var alert = _database.Write(() =>
        {
            var found = Alerts.FindById(id) ?? throw new KeyNotFoundException($"Alert {id} was not found.");
            change(found);
            Alerts.Update(found);
            var note = alertEvent == AlertEvent.Acknowledged ? found.AcknowledgeNote : found.ResolveNote;
            _audit.Append(new AuditEntry(actor.Name, action, $"host:{found.HostName}", AuditEntry.Success, actor.ClientAddress, $"{found.Kind} alert {found.Id}: {note}"));
            Notify(found, alertEvent);
            return found;
        });
        AlertsLog.Changed(_logger, alert.Id, alert.Kind, alert.HostName, alert.State, actor.Name);
        return alert;
    }

    /// <summary>A job moved (left waiting, or finished): resolves the host's active alerts whose condition it cleared. Joins the caller's transaction.</summary>
    public int JobChanged(JobRecord job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var cleared = _database.Write(() =>
        {
            var list = new List<AlertRecord>();
            foreach (var alert in ActiveForHost(job.HostId))
            {
                if (AlertClearing.Reason(alert, job, id => id == job.Id ? job.Kind : _jobs.Get(id)?.Kind) is not { } reason)
                    continue;
                AlertMachine.Clear(alert, reason, Now());
                Alerts.Update(alert);
                _audit.Append(new AuditEntry(Actor.System.Name, AlertAudit.Resolved, $"host:{alert.HostName}", AuditEntry.Success, null, $"{alert.Kind} alert {alert.Id}: {reason}"));
                Notify(alert, AlertEvent.Resolved);
                list.Add(alert);
            }
            return list;
        });
        foreach (var alert in cleared)
            AlertsLog.Changed(_logger, alert.Id, alert.Kind, alert.HostName, alert.State, AlertMachine.SystemActor);
        return cleared.Count;
    }

    public AlertRecord Get(Guid id) => Alerts.FindById(id) ?? throw new KeyNotFoundException($"Alert {id} was not found.");

    /// <summary>Newest activity first.</summary>
    public IReadOnlyList<AlertRecord> List(AlertQuery filter, int skip, int take)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var query = Alerts.Query();
        if (filter.HostId is { } host)
            query = query.Where(DbQuery.Equal(nameof(AlertRecord.HostId), host));
        if (filter.State is { } state)
            query = query.Where(DbQuery.Equal(nameof(AlertRecord.State), state.ToString()));
        if (filter.Kind is { } kind)
            query = query.Where(DbQuery.Equal(nameof(AlertRecord.Kind), kind.ToString()));
        // An expression as text, not a lambda (see JobStore).
        return query.OrderByDescending("$." + nameof(AlertRecord.LastSeen)).Skip(skip).Limit(take).ToList();
    }

    public IReadOnlyList<AlertRecord> List(Guid? hostId, int skip, int take) => List(new AlertQuery(HostId: hostId), skip, take);

    /// <summary>How many alerts of each kind are in each state: every kind and state, zeros included, so a metric never disappears.</summary>
    public IReadOnlyList<AlertCount> Counts()
    {
        // Two fields of each record, not whole records with their messages and notes (every scrape, and alerts are kept).
        var counts = Alerts.Query().Select(a => new { a.Kind, a.State }).ToEnumerable()
            .GroupBy(a => (a.Kind, a.State)).ToDictionary(g => g.Key, g => g.Count());
        return Enum.GetValues<AlertKind>()
            .SelectMany(kind => Enum.GetValues<AlertState>().Select(state => new AlertCount(kind, AlertCatalog.Severity(kind), state, counts.GetValueOrDefault((kind, state)))))
            .ToList();
    }

    private List<AlertRecord> ActiveForHost(Guid hostId) =>
        Alerts.Find(DbQuery.Equal(nameof(AlertRecord.HostId), hostId)).Where(a => a.State != AlertState.Resolved).ToList();

    private void Notify(AlertRecord alert, AlertEvent change)
    {
        foreach (var listener in _listeners)
            listener.Changed(alert, change);
    }

    private DateTime Now() => AuditChain.Truncate(_time.GetUtcNow());
}

/// <summary>The audit actions of alerts.</summary>
internal static class AlertAudit
{
    public const string Raised = "alert.raised";
    public const string Repeated = "alert.repeated";
    public const string Acknowledged = "alert.acknowledged";
    public const string Resolved = "alert.resolved";
}
