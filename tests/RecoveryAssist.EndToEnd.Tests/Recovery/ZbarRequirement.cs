using RecoveryAssist.EndToEnd.Tests.Infrastructure;

namespace RecoveryAssist.EndToEnd.Tests.Recovery;

/// <summary>zbarimg (Debian package zbar-tools), the independent decoder of the QR round trip.</summary>
public static class ZbarRequirement
{
    public static readonly ToolRequirement Tool = new("zbarimg", "zbar-tools", "QR end-to-end test");

    public static string EnsureAvailable() => Tool.EnsureAvailable();
}

public sealed class ZbarFactAttribute : FactAttribute
{
    public ZbarFactAttribute()
    {
        if (ZbarRequirement.Tool.SkipReason is { } reason)
            Skip = reason;
    }
}
