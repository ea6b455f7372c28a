using System.Net;

namespace RecoveryAssist.Tftp;

/// <summary>Configuration of the TFTP server. Validated at start-up by
/// <see cref="TftpServerOptionsValidator"/>; every property has a named default.</summary>
public sealed class TftpServerOptions
{
    /// <summary>The well-known TFTP port.</summary>
    public const int DefaultPort = 69;

    /// <summary>The largest block RFC 2348 allows; clients asking for more get this.</summary>
    public const int DefaultMaxBlockSize = 65464;

    /// <summary>Enough for RFC 7440 to fill a fast link; larger windows only add loss.</summary>
    public const int DefaultMaxWindowSize = 64;

    /// <summary>Bytes one RFC 7440 window may hold; larger windows are negotiated down.
    /// A client's receive buffer (212992 bytes by default on Linux, with kernel overhead per
    /// datagram) overflows on bigger bursts, and every overflow costs a full timeout.</summary>
    public const int DefaultMaxWindowBytes = 96 * 1024;

    /// <summary>Time before an unacknowledged packet or window is sent again (tftpd-hpa uses 1 s).</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Re-sends after a timeout before the transfer is abandoned.</summary>
    public const int DefaultMaxRetries = 5;

    /// <summary>A rack of hosts booting at once, with room to spare.</summary>
    public const int DefaultMaxConcurrentTransfers = 128;

    /// <summary>Longest file name accepted in a request.</summary>
    public const int DefaultMaxFileNameLength = 255;

    /// <summary>Kernel socket buffers, so that a full window at the largest block size never
    /// overruns our receive buffer or our send queue. Linux caps this at net.core.[rw]mem_max.</summary>
    public const int DefaultSocketBufferSize = 4 * 1024 * 1024;

    /// <summary>The longest a transfer polls for its client's answer before it sleeps: a
    /// lock-step round trip or a window on a fast link is shorter than a sleep and wake-up.
    /// Clients that usually answer slower are never polled for. 0 turns polling off.</summary>
    public const int DefaultBusyPollMicroseconds = 200;

    /// <summary>The longest retransmission timeout a client may negotiate (RFC 2349 timeout option); a larger
    /// one is left out of the OACK, which RFC 2349 allows, and the server's own <see cref="Timeout"/> applies.
    /// Bounds how long a silent client holds a transfer slot.</summary>
    public const int DefaultMaxClientTimeoutSeconds = 5;

    /// <summary>How long a new transfer waits for the client's first ACK. Before it the server has sent one
    /// small packet (the OACK, or DATA 1 of 512 bytes) and sends nothing more: an unanswered request from a
    /// spoofed address costs one small packet and this much of one slot.</summary>
    public static readonly TimeSpan DefaultFirstAckTimeout = TimeSpan.FromSeconds(3);

    /// <summary>Transfers one client address may run at once: a PXE client loads one file at a time.</summary>
    public const int DefaultMaxTransfersPerAddress = 4;

    /// <summary>Log lines of refused or dropped requests per second; the rest are counted into the next line.</summary>
    public const int DefaultRefusalLogsPerSecond = 10;

    /// <summary>Address to listen on. Default: all IPv4 addresses.</summary>
    public string ListenAddress { get; set; } = IPAddress.Any.ToString();

    /// <summary>UDP port for requests (0 picks a free port, for tests). Default <see cref="DefaultPort"/>.</summary>
    public int Port { get; set; } = DefaultPort;

    /// <summary>Upper bound of the blksize option, 512..65464. Default <see cref="DefaultMaxBlockSize"/>.</summary>
    public int MaxBlockSize { get; set; } = DefaultMaxBlockSize;

    /// <summary>Upper bound of the windowsize option, 1..65535. Default <see cref="DefaultMaxWindowSize"/>.</summary>
    public int MaxWindowSize { get; set; } = DefaultMaxWindowSize;

    /// <summary>Upper bound of windowsize x blksize, 512..64 MiB: the negotiated window is
    /// lowered to fit (at least one block). Default <see cref="DefaultMaxWindowBytes"/>.</summary>
    public int MaxWindowBytes { get; set; } = DefaultMaxWindowBytes;

    /// <summary>Retransmission timeout when the client sends no timeout option,
    /// 10 ms..255 s. Default <see cref="DefaultTimeout"/>.</summary>
    public TimeSpan Timeout { get; set; } = DefaultTimeout;

    /// <summary>Upper bound of the client's timeout option, 1..255 s. Default <see cref="DefaultMaxClientTimeoutSeconds"/>.</summary>
    public int MaxClientTimeoutSeconds { get; set; } = DefaultMaxClientTimeoutSeconds;

    /// <summary>Wait for the first ACK, 100 ms..60 s. Default <see cref="DefaultFirstAckTimeout"/>.</summary>
    public TimeSpan FirstAckTimeout { get; set; } = DefaultFirstAckTimeout;

    /// <summary>Transfers at once per client IP address, 1..10000. Default <see cref="DefaultMaxTransfersPerAddress"/>.</summary>
    public int MaxTransfersPerAddress { get; set; } = DefaultMaxTransfersPerAddress;

    /// <summary>Re-sends before giving up, 0..100. Default <see cref="DefaultMaxRetries"/>.</summary>
    public int MaxRetries { get; set; } = DefaultMaxRetries;

    /// <summary>Transfers running at once; further requests get an ERROR. 1..10000.
    /// Default <see cref="DefaultMaxConcurrentTransfers"/>.</summary>
    public int MaxConcurrentTransfers { get; set; } = DefaultMaxConcurrentTransfers;

    /// <summary>Match names case-insensitively (some firmware upper-cases them). Default false.</summary>
    public bool CaseInsensitiveNames { get; set; }

    /// <summary>Longest accepted file name, 1..1024. Default <see cref="DefaultMaxFileNameLength"/>.</summary>
    public int MaxFileNameLength { get; set; } = DefaultMaxFileNameLength;

    /// <summary>SO_SNDBUF and SO_RCVBUF of every socket, 64 KiB..64 MiB. Default <see cref="DefaultSocketBufferSize"/>.</summary>
    public int SocketBufferSize { get; set; } = DefaultSocketBufferSize;

    /// <summary>Longest poll for a client's answer before sleeping in receive, in microseconds,
    /// 0..1000 (0 = never). Each transfer polls about twice as long as its client usually takes,
    /// only while no more transfers run than half the processors. Default
    /// <see cref="DefaultBusyPollMicroseconds"/>.</summary>
    public int BusyPollMicroseconds { get; set; } = DefaultBusyPollMicroseconds;

    /// <summary>Hand each RFC 7440 window to the kernel in one send (Linux UDP segmentation
    /// offload); a transfer falls back to one send per block by itself when the kernel or the
    /// path refuses it. Default true.</summary>
    public bool SegmentationOffload { get; set; } = true;
}
