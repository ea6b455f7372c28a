namespace RecoveryAssist.Tftp.Server;

/// <summary>At most <c>perSecond</c> log lines a second; what is left out is counted and reported with the next line. Thread-safe.</summary>
internal sealed class LogBudget(TimeProvider time, int perSecond)
{
    private readonly Lock _lock = new();
    private long _windowStart = long.MinValue;
    private int _taken;
    private long _suppressed;

    /// <summary>True when a line may be written; <paramref name="suppressed"/> is how many were left out before it.</summary>
    public bool TryTake(out long suppressed)
    {
        long now = time.GetTimestamp();
        lock (_lock)
        {
            if (_windowStart == long.MinValue || time.GetElapsedTime(_windowStart, now) >= TimeSpan.FromSeconds(1))
            {
                _windowStart = now;
                _taken = 0;
            }

            if (_taken < perSecond)
            {
                _taken++;
                suppressed = _suppressed;
                _suppressed = 0;
                return true;
            }

            _suppressed++;
            suppressed = 0;
            return false;
        }
    }
}
