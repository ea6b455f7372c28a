namespace RecoveryAssist.Tftp.Transfer;

/// <summary>The transfer parameters agreed with the client. <see cref="OptionAck"/> is null
/// when no option was accepted: the transfer then follows plain RFC 1350 and starts with
/// DATA block 1 instead of an OACK.</summary>
internal sealed record NegotiatedOptions(
    int BlockSize,
    int WindowSize,
    TimeSpan Timeout,
    IReadOnlyList<KeyValuePair<string, string>>? OptionAck)
{
    public const int DefaultBlockSize = 512;

    /// <summary>Options in the form written to the log line, e.g. "blksize=1468 windowsize=16".</summary>
    public string Describe() =>
        OptionAck is null or { Count: 0 }
            ? "none"
            : string.Join(' ', OptionAck.Select(o => $"{o.Key}={o.Value}"));
}
