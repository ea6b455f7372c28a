using RecoveryAssist.Server.Features.Escrow;

namespace RecoveryAssist.Server.Features.Alerts;

/// <summary>Raises "same key on several hosts" whenever the escrow takes a key another host holds, by import or from the host itself.</summary>
internal sealed class SharedKeyAlerts(AlertService alerts) : ISharedKeyListener
{
    public void SharedKeyEscrowed(ImportResult result, Guid? jobId)
    {
        ArgumentNullException.ThrowIfNull(result);
        alerts.Raise(AlertKind.SameKeyOnSeveralHosts, result.HostId, result.HostName, jobId,
            $"the key or Recovery ID escrowed for this host is escrowed for {string.Join(", ", result.SharedWith)} too: an import put it on the wrong host, or the host was cloned");
    }
}
