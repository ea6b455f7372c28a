using RecoveryAssist.EndToEnd.Tests.Infrastructure;

namespace RecoveryAssist.EndToEnd.Tests.Metrics;

/// <summary>
/// promtool (Debian package prometheus), Prometheus's own checker of the exposition format. Without it the
/// test skips with a clear message, except under CI=true where it fails.
/// </summary>
public static class PromtoolRequirement
{
    private static readonly Lazy<string?> Promtool = new(() => SshdRequirement.FindOnPath("promtool"));

    public static string? SkipReason =>
        Promtool.Value is null && !SshdRequirement.IsCi
            ? "metrics end-to-end test skipped: promtool is missing. Install the Debian package prometheus; with CI=true this is a failure."
            : null;

    public static string EnsureAvailable() => Promtool.Value ?? throw new InvalidOperationException(
        "The metrics end-to-end test cannot run: promtool is missing. Install the Debian package prometheus"
        + (SshdRequirement.IsCi ? " (CI=true: a missing tool fails the run instead of skipping)." : "."));
}

public sealed class PromtoolFactAttribute : FactAttribute
{
    public PromtoolFactAttribute()
    {
        if (PromtoolRequirement.SkipReason is { } reason)
            Skip = reason;
    }
}
