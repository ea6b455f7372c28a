using System.Globalization;
using Microsoft.Extensions.Options;

namespace RecoveryAssist.Server.Features.Boot;

/// <summary>What to do with one anonymous event: audit it, audit the one ALERT that says more are only counted, or count it.</summary>
internal enum EventDecision
{
    Record,
    Alert,
    Count,
}

/// <summary>The decision and, on the first record of a window, how many events the previous window only counted.</summary>
internal readonly record struct EventAdmission(EventDecision Decision, long CountedBefore)
{
    /// <summary>Text appended to the audit detail: the ALERT's promise, or the tally of the window before.</summary>
    public string Suffix(int windowMinutes) => Decision switch
    {
        EventDecision.Alert => string.Create(CultureInfo.InvariantCulture,
            $" ALERT: too many such events from this source; further ones in the next {windowMinutes} minutes are counted, not recorded one by one"),
        _ when CountedBefore > 0 => string.Create(CultureInfo.InvariantCulture, $" ({CountedBefore} more from this source in the window before were counted, not recorded)"),
        _ => "",
    };
}

/// <summary>
/// Bounds the audit records anonymous clients can cause: per source address and kind of event, at most
/// <see cref="BootOptions.AuditsPerSourceWindow"/> records and one ALERT per window of
/// <see cref="BootOptions.AlertWindowMinutes"/>; the rest are counted and the tally goes into the next window's
/// first record. Pure but for the clock; the table of sources is itself bounded (<see cref="MaxSources"/>).
/// </summary>
internal sealed class AnonymousEvents(TimeProvider time, IOptions<BootOptions> options)
{
    /// <summary>Sources tracked at most; expired windows go first, then the oldest.</summary>
    public const int MaxSources = 10_000;

    private readonly TimeSpan _window = TimeSpan.FromMinutes(options.Value.AlertWindowMinutes);
    private readonly int _allowance = options.Value.AuditsPerSourceWindow;
    private readonly Dictionary<(string Kind, string Source), Window> _windows = [];
    private readonly Lock _lock = new();

    public int WindowMinutes => (int)_window.TotalMinutes;

    public EventAdmission Admit(string kind, string? source)
    {
        var now = time.GetUtcNow();
        var key = (kind, source ?? "?");
        lock (_lock)
        {
            long carried = 0;
            if (!_windows.TryGetValue(key, out var window) || now - window.Start >= _window)
            {
                carried = window?.Counted ?? 0;
                if (window is null && _windows.Count >= MaxSources)
                    Trim(now);
                window = new Window(now);
                _windows[key] = window;
            }
            window.Events++;
            if (window.Events <= _allowance)
                return new EventAdmission(EventDecision.Record, carried);
            if (window.Events == _allowance + 1)
                return new EventAdmission(EventDecision.Alert, carried);
            window.Counted++;
            return new EventAdmission(EventDecision.Count, 0);
        }
    }

    private void Trim(DateTimeOffset now)
    {
        foreach (var (key, window) in _windows.Where(p => now - p.Value.Start >= _window).ToList())
            _windows.Remove(key);
        if (_windows.Count >= MaxSources)
        {
            foreach (var (key, _) in _windows.OrderBy(p => p.Value.Start).Take(_windows.Count / 10 + 1).ToList())
                _windows.Remove(key);
        }
    }

    private sealed class Window(DateTimeOffset start)
    {
        public DateTimeOffset Start { get; } = start;

        public long Events { get; set; }

        public long Counted { get; set; }
    }
}
