using System.Diagnostics;
using System.Net.Sockets;

namespace RecoveryAssist.Tftp.Server;

/// <summary>
/// Polls a transfer's socket for a short time before the transfer sleeps in receive: on a fast
/// link the next ACK arrives within microseconds, and catching it without a sleep and a wake-up
/// takes a scheduler round trip off every lock-step block (the idea of Linux's SO_BUSY_POLL,
/// which does nothing for loopback or most NIC drivers). Bounded so that it never costs the
/// machine more than it gains: nobody polls while more transfers run than half the processors
/// (a rack booting at once needs every core for real work), and a transfer whose ACKs keep
/// arriving too late for the poll (a slow client, a long path) pauses polling.
/// </summary>
internal sealed class BusyPoll
{
    /// <summary>Consecutive polls without a datagram after which a transfer pauses polling.</summary>
    internal const int MissesBeforeGivingUp = 8;

    /// <summary>Receives without polling before a paused transfer tries one poll again (the
    /// client may have been slow only for a moment: a disk flush, a busy core).</summary>
    internal const int ReceivesBeforeRetry = 256;

    private readonly long _pollTicks;
    private readonly int _maxTransfers;
    private int _transfers;

    /// <param name="maxTransfers">Polling stops while more transfers than this run.</param>
    public BusyPoll(TimeSpan duration, int maxTransfers)
    {
        _pollTicks = (long)(duration.TotalSeconds * Stopwatch.Frequency);
        _maxTransfers = maxTransfers;
    }

    public static BusyPoll ForThisMachine(int microseconds) =>
        new(TimeSpan.FromMicroseconds(microseconds), Math.Max(1, Environment.ProcessorCount / 2));

    /// <summary>One transfer's view, until it is disposed: it tracks whether polling still pays
    /// off for this client.</summary>
    public Session Start()
    {
        Interlocked.Increment(ref _transfers);
        return new Session(this);
    }

    private bool TryPoll(Socket socket, out bool arrived)
    {
        arrived = false;
        if (_pollTicks <= 0 || Volatile.Read(ref _transfers) > _maxTransfers)
        {
            return false;
        }

        long until = Stopwatch.GetTimestamp() + _pollTicks;
        do
        {
            if (socket.Available > 0)
            {
                arrived = true;
                break;
            }
        }
        while (Stopwatch.GetTimestamp() < until);
        return true;
    }

    internal sealed class Session(BusyPoll poll) : IDisposable
    {
        private int _misses;
        private int _pausedReceives;
        private bool _disposed;

        public bool IsPolling => _pausedReceives == 0;

        /// <summary>Polls before a blocking receive, while it pays off; returns at once otherwise.</summary>
        public void BeforeReceive(Socket socket)
        {
            if (_pausedReceives > 0)
            {
                _pausedReceives--;
                return;
            }

            if (!poll.TryPoll(socket, out bool arrived))
            {
                return;
            }

            if (arrived)
            {
                _misses = 0;
            }
            else if (++_misses == MissesBeforeGivingUp)
            {
                // One more miss after the pause pauses again.
                _pausedReceives = ReceivesBeforeRetry;
                _misses = MissesBeforeGivingUp - 1;
            }
        }

        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                Interlocked.Decrement(ref poll._transfers);
            }
        }
    }
}
