using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using RecoveryAssist.Server.Hosting;

namespace RecoveryAssist.Server.Features.Auth;

/// <summary>
/// Slows password guessing without letting anyone lock a person out: a token bucket per source address
/// (ASP.NET Core's rate limiter) bounds how fast one address may try at all, and failures of one account
/// from one address back off exponentially. Failures from an attacker's address never slow the real user
/// down at theirs, so an anonymous flood cannot lock out <c>admin</c>. Kept in memory: a restart forgets it.
/// </summary>
internal sealed class SignInThrottle : IDisposable
{
    /// <summary>Bounds the memory a flood of made-up names can take; the stalest entries go first.</summary>
    public const int MaxTrackedPairs = 50_000;

    private readonly PartitionedRateLimiter<string> _perAddress;
    private readonly ConcurrentDictionary<(string Name, string Address), Failures> _failures = new();
    private readonly TimeProvider _time;
    private readonly int _freeFailures;
    private readonly TimeSpan _maxBackoff;

    public SignInThrottle(IOptions<AuthOptions> auth, IOptions<AppOptions> app, TimeProvider time)
    {
        var options = auth.Value;
        _time = time;
        _freeFailures = app.Value.LockoutThreshold;
        _maxBackoff = TimeSpan.FromMinutes(app.Value.LockoutMinutes);
        var period = TimeSpan.FromSeconds(60.0 / options.SignInPerMinutePerAddress);
        _perAddress = PartitionedRateLimiter.Create<string, string>(address => RateLimitPartition.GetTokenBucketLimiter(address, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.SignInBurstPerAddress,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = period,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    /// <summary>Null when the attempt may go ahead; otherwise how long the caller should wait.</summary>
    public TimeSpan? Admit(string nameKey, string address)
    {
        using var lease = _perAddress.AttemptAcquire(address);
        if (!lease.IsAcquired)
            return lease.TryGetMetadata(MetadataName.RetryAfter, out var retry) ? retry : TimeSpan.FromSeconds(1);
        if (_failures.TryGetValue((nameKey, address), out var failures) && failures.NotBefore is { } notBefore)
        {
            var wait = notBefore - _time.GetUtcNow();
            if (wait > TimeSpan.Zero)
                return wait;
        }
        return null;
    }

    /// <summary>Counts a wrong password (or unknown name) from an address; past the free ones, the next try waits 1 s, 2 s, 4 s... up to the cap.</summary>
    public void Failed(string nameKey, string address)
    {
        if (_failures.Count >= MaxTrackedPairs)
            Trim();
        var now = _time.GetUtcNow();
        _failures.AddOrUpdate((nameKey, address), _ => Next(new Failures(0, null, now), now), (_, f) => Next(f, now));
    }

    public void Succeeded(string nameKey, string address) => _failures.TryRemove((nameKey, address), out _);

    /// <summary>An admin's unlock forgets every back-off of the account.</summary>
    public void Clear(string nameKey)
    {
        foreach (var key in _failures.Keys.Where(k => k.Name == nameKey))
            _failures.TryRemove(key, out _);
    }

    /// <summary>The wait after <paramref name="count"/> failures in a row: none for the first few, then doubling up to <paramref name="cap"/>.</summary>
    public static TimeSpan Backoff(int count, int freeFailures, TimeSpan cap)
    {
        if (count < freeFailures)
            return TimeSpan.Zero;
        var exponent = Math.Min(count - freeFailures, 30);
        var wait = TimeSpan.FromSeconds(Math.Pow(2, exponent));
        return wait < cap ? wait : cap;
    }

    private Failures Next(Failures failures, DateTimeOffset now)
    {
        var count = failures.Count + 1;
        var wait = Backoff(count, _freeFailures, _maxBackoff);
        return new Failures(count, wait > TimeSpan.Zero ? now + wait : null, now);
    }

    private void Trim()
    {
        foreach (var stale in _failures.OrderBy(p => p.Value.Last).Take(MaxTrackedPairs / 10).Select(p => p.Key).ToList())
            _failures.TryRemove(stale, out _);
    }

    public void Dispose() => _perAddress.Dispose();

    private sealed record Failures(int Count, DateTimeOffset? NotBefore, DateTimeOffset Last);
}
