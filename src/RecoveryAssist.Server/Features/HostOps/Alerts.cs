using LiteDB;
using RecoveryAssist.Server.Features.Audit;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Storage;

namespace RecoveryAssist.Server.Features.HostOps;

internal enum AlertKind
{
    HostKeyMismatch,
    UnparseableOutput,
    RecoveryIdMismatch,
    HostUnreachable,
    HostNeverBack,
    BackupFailed,
    KeyDrift,
    IdentityChanged,
    EscrowAtRisk,
    JobFailed,

    /// <summary>A job waits for a person to act on the host (raised once when it starts waiting).</summary>
    NeedsPerson,

    /// <summary>ESXi refused a policy change ("Unable to change the encryption mode and policy").</summary>
    PolicyRefused,

    /// <summary>A rotated key is running but its save was not confirmed: the next boot still needs the saved (older) key.</summary>
    RotationNotSaved,

    /// <summary>The same Recovery ID or key is escrowed for another host too (a copy/paste accident on import, a cloned host).</summary>
    SameKeyOnSeveralHosts,
}

internal sealed class AlertRecord
{
    public Guid Id { get; set; }

    public DateTime Time { get; set; }

    public AlertKind Kind { get; set; }

    public Guid HostId { get; set; }

    public string HostName { get; set; } = "";

    public Guid? JobId { get; set; }

    public string Message { get; set; } = "";
}

internal sealed record AlertView(Guid Id, DateTime Time, AlertKind Kind, Guid HostId, string HostName, Guid? JobId, string Message)
{
    public static AlertView From(AlertRecord a) => new(a.Id, a.Time, a.Kind, a.HostId, a.HostName, a.JobId, a.Message);
}

/// <summary>
/// Alerts from host operations: each is stored (for the alerts list), audited in the same transaction,
/// and logged. Messages are redacted and never carry key material.
/// </summary>
internal sealed partial class HostOpsAlerts(AppDatabase database, AuditLog audit, TimeProvider time, ILogger<HostOpsAlerts> logger)
{
    public const string Collection = "hostops_alerts";

    private ILiteCollection<AlertRecord> Alerts => database.Collection<AlertRecord>(Collection);

    public AlertRecord Raise(AlertKind kind, Guid hostId, string hostName, Guid? jobId, string message)
    {
        var alert = new AlertRecord
        {
            Id = Guid.NewGuid(),
            Time = AuditChain.Truncate(time.GetUtcNow()),
            Kind = kind,
            HostId = hostId,
            HostName = hostName,
            JobId = jobId,
            Message = Redaction.Truncate(Redaction.Redact(message), 1000),
        };
        database.Write(() =>
        {
            Alerts.Insert(alert);
            audit.Append(new AuditEntry(Actor.System.Name, "hostops.alert", $"host:{hostName}", AuditEntry.Failed, null,
                $"{kind}: {alert.Message}" + (jobId is { } id ? $"; job {id}" : "")));
        });
        HostOpsLog.Alert(logger, kind, hostName, jobId, alert.Message);
        return alert;
    }

    public IReadOnlyList<AlertRecord> List(Guid? hostId, int skip, int take)
    {
        var query = Alerts.Query();
        if (hostId is { } id)
            query = query.Where(DbQuery.Equal(nameof(AlertRecord.HostId), id));
        // An expression as text, not a lambda (see JobStore).
        return query.OrderByDescending("$." + nameof(AlertRecord.Time)).Skip(skip).Limit(take).ToList();
    }
}
