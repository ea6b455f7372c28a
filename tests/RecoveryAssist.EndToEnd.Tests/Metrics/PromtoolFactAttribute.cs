using RecoveryAssist.EndToEnd.Tests.Infrastructure;

namespace RecoveryAssist.EndToEnd.Tests.Metrics;

/// <summary>promtool (Debian package prometheus), Prometheus's own checker of the exposition format.</summary>
public sealed class PromtoolFactAttribute : FactAttribute
{
    public static readonly ToolRequirement Tool = new("promtool", "prometheus", "metrics end-to-end test");

    public PromtoolFactAttribute()
    {
        if (Tool.SkipReason is { } reason)
            Skip = reason;
    }
}
