using System.Diagnostics;
using System.Net.Sockets;

namespace RecoveryAssist.Tftp.Server;

/// <summary>
/// Polls a transfer's socket for a short time before the transfer sleeps in receive: on a fast
/// link the client answers within microseconds, and catching its ACK without a sleep and a
/// wake-up takes a scheduler round trip off every lock-step block and every window (the idea
/// of Linux's SO_BUSY_POLL, which does nothing for loopback or most NIC drivers).
/// Each transfer learns how long its client usually takes to answer and polls a little longer
/// than that; a client slower than the configured limit (a long path, firmware on a slow NIC)
/// is never polled for. Nobody polls while more transfers run than half the processors: a
/// rack booting at once needs every core for real work.
/// </summary>
internal sealed class BusyPoll
{
    /// <summary>Added to twice the usual answer time, so that a little jitter is still caught.</summary>
    internal static readonly long SlackTicks = Stopwatch.Frequency / 100_000; // 10 µs

    private readonly long _maxPollTicks;
    private readonly int _maxTransfers;
    private int _transfers;

    /// <param name="maxPoll">The longest poll; clients that usually answer slower are not polled for.</param>
    /// <param name="maxTransfers">Polling stops while more transfers than this run.</param>
    public BusyPoll(TimeSpan maxPoll, int maxTransfers)
    {
        _maxPollTicks = (long)(maxPoll.TotalSeconds * Stopwatch.Frequency);
        _maxTransfers = maxTransfers;
    }

    public static BusyPoll ForThisMachine(int microseconds) =>
        new(TimeSpan.FromMicroseconds(microseconds), Math.Max(1, Environment.ProcessorCount / 2));

    /// <summary>One transfer's view, until it is disposed.</summary>
    public Session Start()
    {
        Interlocked.Increment(ref _transfers);
        return new Session(this);
    }

    /// <summary>How long to poll for a client that usually answers in <paramref name="usualWaitTicks"/>; 0 for not at all.</summary>
    private long BudgetFor(long usualWaitTicks)
    {
        if (_maxPollTicks <= 0 || usualWaitTicks > _maxPollTicks || Volatile.Read(ref _transfers) > _maxTransfers)
        {
            return 0;
        }

        return Math.Min(_maxPollTicks, (2 * usualWaitTicks) + SlackTicks);
    }

    internal sealed class Session(BusyPoll poll) : IDisposable
    {
        private long _waitStarted;
        private long _usualWaitTicks;
        private bool _disposed;

        /// <summary>How long the next wait would poll, in <see cref="Stopwatch"/> ticks.</summary>
        public long Budget => poll.BudgetFor(_usualWaitTicks);

        /// <summary>Before a blocking receive: polls until a datagram is waiting or the budget is spent.</summary>
        public void BeforeReceive(Socket socket)
        {
            _waitStarted = Stopwatch.GetTimestamp();
            long budget = Budget;
            if (budget == 0)
            {
                return;
            }

            long until = _waitStarted + budget;
            while (socket.Available == 0 && Stopwatch.GetTimestamp() < until)
            {
            }
        }

        /// <summary>After a receive returned a datagram: learns how long the client took.</summary>
        public void Received()
        {
            long waited = Stopwatch.GetTimestamp() - _waitStarted;

            // A moving average over about eight answers: one slow answer (a page fault, a busy
            // core) does not stop polling, a client that stays slow soon does.
            _usualWaitTicks = _usualWaitTicks == 0 ? waited : ((_usualWaitTicks * 7) + waited) / 8;
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
