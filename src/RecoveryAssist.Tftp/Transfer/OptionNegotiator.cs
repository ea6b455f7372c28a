using System.Globalization;
using RecoveryAssist.Tftp.Protocol;

namespace RecoveryAssist.Tftp.Transfer;

/// <summary>Server limits that bound what a client may negotiate.</summary>
internal sealed record NegotiationLimits(int MaxBlockSize, int MaxWindowSize, int MaxWindowBytes, TimeSpan DefaultTimeout, int MaxTimeoutSeconds = TftpServerOptions.DefaultMaxClientTimeoutSeconds);

/// <summary>RFC 2347 option negotiation for a read request. Pure.
/// Rules: option names are case-insensitive and the first occurrence wins; unknown options
/// and values that are not decimal numbers are ignored (left out of the OACK);
/// blksize below 8 is ignored, above the limit it is lowered (RFC 2348);
/// timeout outside 1..255 seconds, or above the server's bound, is ignored (RFC 2349 lets a server refuse it); tsize is answered with the real
/// size (RFC 2349), except for an empty file; windowsize outside 1..65535 is ignored, above the limit
/// (in blocks, or in bytes of one window) lowered (RFC 7440).</summary>
internal static class OptionNegotiator
{
    public const string BlockSizeOption = "blksize";
    public const string TimeoutOption = "timeout";
    public const string TransferSizeOption = "tsize";
    public const string WindowSizeOption = "windowsize";

    public const int MinBlockSize = 8;
    public const int MinTimeoutSeconds = 1;
    public const int MaxTimeoutSeconds = 255;
    public const int MaxWindowSizeValue = 65535;

    public static NegotiatedOptions Negotiate(
        IReadOnlyList<KeyValuePair<string, string>> requested,
        long fileLength,
        NegotiationLimits limits)
    {
        int blockSize = NegotiatedOptions.DefaultBlockSize;
        int windowSize = 1;
        int windowIndex = -1;
        TimeSpan timeout = limits.DefaultTimeout;
        var acknowledged = new List<KeyValuePair<string, string>>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        foreach ((string rawName, string rawValue) in requested)
        {
            if (!seen.Add(rawName) || !TryParseNumber(rawValue, out long value))
            {
                continue;
            }

            string name = rawName.ToLowerInvariant();
            switch (name)
            {
                case BlockSizeOption when value >= MinBlockSize:
                    blockSize = (int)Math.Min(value, Math.Min(limits.MaxBlockSize, TftpPacketCodec.MaxBlockSize));
                    acknowledged.Add(Pair(name, blockSize));
                    break;
                case TimeoutOption when value >= MinTimeoutSeconds && value <= Math.Min(MaxTimeoutSeconds, limits.MaxTimeoutSeconds):
                    timeout = TimeSpan.FromSeconds(value);
                    acknowledged.Add(Pair(name, value));
                    break;
                // curl (7.88) and others reject "tsize 0" in an OACK as invalid, so an empty
                // file leaves the option unacknowledged, which RFC 2347 allows.
                case TransferSizeOption when fileLength > 0:
                    acknowledged.Add(Pair(name, fileLength));
                    break;
                case WindowSizeOption when value is >= 1 and <= MaxWindowSizeValue:
                    windowSize = (int)Math.Min(value, limits.MaxWindowSize);
                    windowIndex = acknowledged.Count;
                    acknowledged.Add(Pair(name, windowSize));
                    break;
                default:
                    break;
            }
        }

        // The window is bounded in bytes too, which depends on the block size agreed above
        // (blksize may come after windowsize in the request).
        int byBytes = Math.Max(1, limits.MaxWindowBytes / blockSize);
        if (windowIndex >= 0 && windowSize > byBytes)
        {
            windowSize = byBytes;
            acknowledged[windowIndex] = Pair(WindowSizeOption, windowSize);
        }

        return new NegotiatedOptions(blockSize, windowSize, timeout, acknowledged.Count == 0 ? null : acknowledged);
    }

    private static KeyValuePair<string, string> Pair(string name, long value) =>
        new(name, value.ToString(CultureInfo.InvariantCulture));

    /// <summary>Plain decimal digits only, at most 10 of them: no sign, no spaces, no hex.</summary>
    private static bool TryParseNumber(string text, out long value)
    {
        value = 0;
        if (text.Length is 0 or > 10)
        {
            return false;
        }

        foreach (char c in text)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return true;
    }
}
