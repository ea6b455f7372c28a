using System.Diagnostics.Metrics;
using RecoveryAssist.Tftp.Protocol;
using RecoveryAssist.Tftp.Transfer;

namespace RecoveryAssist.Tftp.Server;

/// <summary>Counters of the TFTP server under the meter "RecoveryAssist.Tftp".</summary>
internal sealed class TftpMetrics : IDisposable
{
    public const string MeterName = "RecoveryAssist.Tftp";

    private readonly Meter _meter;
    private readonly Counter<long> _transfers;
    private readonly Counter<long> _bytes;
    private readonly Counter<long> _errors;
    private readonly Counter<long> _retransmissions;
    private readonly UpDownCounter<long> _active;
    private readonly bool _ownsMeter;

    public TftpMetrics(IMeterFactory? meterFactory)
    {
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _transfers = _meter.CreateCounter<long>("tftp.server.transfers", "{transfer}", "Transfers ended, by outcome.");
        _bytes = _meter.CreateCounter<long>("tftp.server.bytes_sent", "By", "File bytes acknowledged by clients.");
        _errors = _meter.CreateCounter<long>("tftp.server.errors", "{packet}", "ERROR packets sent, by code.");
        _retransmissions = _meter.CreateCounter<long>("tftp.server.retransmissions", "{packet}", "Packets sent again after a timeout.");
        _active = _meter.CreateUpDownCounter<long>("tftp.server.active_transfers", "{transfer}", "Transfers running now.");
    }

    public void TransferStarted() => _active.Add(1);

    public void TransferEnded(TransferOutcome outcome, long bytes, long retransmissions)
    {
        _active.Add(-1);
        _transfers.Add(1, new KeyValuePair<string, object?>("outcome", outcome.ToString()));
        _bytes.Add(bytes);
        _retransmissions.Add(retransmissions);
    }

    public void RequestRefused() =>
        _transfers.Add(1, new KeyValuePair<string, object?>("outcome", nameof(TransferOutcome.Refused)));

    public void ErrorSent(TftpErrorCode code) =>
        _errors.Add(1, new KeyValuePair<string, object?>("code", (int)code));

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
