using System.Diagnostics.Metrics;
using System.Text.Json;

namespace RecoveryAssist.Server.Features.Metrics;

/// <summary>
/// The appliance's own instruments under the meter "RecoveryAssist": observable gauges over
/// <see cref="StoreFigures"/>, read when Prometheus scrapes. In the exposition a name such as
/// <c>recoveryassist.hosts.without_current_key</c> reads <c>recoveryassist_hosts_without_current_key</c>.
/// </summary>
internal sealed class ApplianceGauges
{
    public const string MeterName = "RecoveryAssist";

    public ApplianceGauges(IMeterFactory meters, StoreFiguresReader figures)
    {
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("recoveryassist.jobs", () => ByLabel("state", figures.Current().Jobs), "{job}", "Host jobs, by state.");
        meter.CreateObservableGauge("recoveryassist.sessions", () => ByLabel("state", figures.Current().Sessions), "{session}", "Recovery sessions, by state.");
        meter.CreateObservableCounter("recoveryassist.reveals", () => figures.Current().Reveals, "{reveal}", "Recovery keys revealed in sessions, ever.");
        meter.CreateObservableGauge("recoveryassist.alerts", () => figures.Current().Alerts.Select(a => new Measurement<int>(a.Count,
                new KeyValuePair<string, object?>("kind", LabelValue(a.Kind)),
                new KeyValuePair<string, object?>("severity", LabelValue(a.Severity)),
                new KeyValuePair<string, object?>("state", LabelValue(a.State)))),
            "{alert}", "Alerts, by kind, severity and state (open, acknowledged, resolved).");
        meter.CreateObservableGauge("recoveryassist.hosts", () => figures.Current().Hosts, "{host}", "Hosts in the escrow.");
        meter.CreateObservableGauge("recoveryassist.hosts.without_current_key", () => figures.Current().HostsWithoutCurrentKey, "{host}",
            "Hosts with no current escrowed recovery key.");
        meter.CreateObservableGauge("recoveryassist.rotations.not_saved", () => figures.Current().RotationsNotSaved, "{host}",
            "Hosts running a rotated key whose save is not confirmed (the next boot needs the older, saved key).");
        meter.CreateObservableGauge("recoveryassist.audit.records", () => figures.Current().AuditRecords, "{record}", "Records in the audit log.");
    }

    /// <summary>Prometheus label values in snake_case (<c>NeedsPerson</c> is <c>needs_person</c>).</summary>
    public static string LabelValue<T>(T value) where T : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    private static IEnumerable<Measurement<int>> ByLabel<T>(string label, IReadOnlyDictionary<T, int> counts) where T : struct, Enum =>
        counts.Select(c => new Measurement<int>(c.Value, new KeyValuePair<string, object?>(label, LabelValue(c.Key))));
}
