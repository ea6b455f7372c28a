namespace RecoveryAssist.Tftp.Transfer;

/// <summary>How a transfer ended; the value appears in the log line and as a metric tag.</summary>
public enum TransferOutcome
{
    /// <summary>Still running.</summary>
    None = 0,

    /// <summary>The client acknowledged the final block.</summary>
    Completed,

    /// <summary>The client sent an ERROR packet (for example, declining the OACK).</summary>
    ClientAborted,

    /// <summary>The client stopped answering after the configured number of tries.</summary>
    TimedOut,

    /// <summary>The server stopped while the transfer was running.</summary>
    ServerStopped,

    /// <summary>The request was answered with an ERROR packet and no transfer started.</summary>
    Refused,

    /// <summary>Reading the file failed part-way.</summary>
    Failed,
}
