namespace RecoveryAssist.Tftp.Protocol;

/// <summary>Error codes carried in a TFTP ERROR packet (RFC 1350 appendix, RFC 2347).</summary>
public enum TftpErrorCode : ushort
{
    NotDefined = 0,
    FileNotFound = 1,
    AccessViolation = 2,
    DiskFull = 3,
    IllegalOperation = 4,
    UnknownTransferId = 5,
    FileAlreadyExists = 6,
    NoSuchUser = 7,
    OptionNegotiationFailed = 8,
}
