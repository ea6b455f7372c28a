using System.Net;
using Microsoft.Extensions.Logging;
using RecoveryAssist.Tftp.Transfer;

namespace RecoveryAssist.Tftp.Server;

/// <summary>Log messages of the TFTP server, with stable event ids (5000-5099).</summary>
internal static partial class TftpLog
{
    [LoggerMessage(EventId = 5000, Level = LogLevel.Information, Message = "TFTP server listening on {EndPoint}")]
    public static partial void Listening(ILogger logger, EndPoint endPoint);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "TFTP server stopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information,
        Message = "TFTP transfer {Outcome}: client {Client} file {File} options {Options} bytes {Bytes} duration {DurationMs} ms retransmissions {Retransmissions} detail {Detail}")]
    public static partial void TransferEnded(ILogger logger, TransferOutcome outcome, IPEndPoint client, string file, string options, long bytes, long durationMs, long retransmissions, string detail);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Debug, Message = "TFTP packet from {Client} on the listen port dropped: {Reason}")]
    public static partial void RequestDropped(ILogger logger, IPEndPoint client, string reason);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "TFTP receive on the listen port failed; continuing")]
    public static partial void ReceiveFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Error, Message = "TFTP transfer to {Client} of {File} failed")]
    public static partial void TransferFailed(ILogger logger, IPEndPoint client, string file, Exception exception);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Error, Message = "TFTP request handling failed; the listener goes on")]
    public static partial void RequestFailed(ILogger logger, Exception exception);
}
