using RecoveryAssist.EndToEnd.Tests.Infrastructure;

namespace RecoveryAssist.EndToEnd.Tests.Recovery;

/// <summary>
/// zbarimg (Debian package zbar-tools), the independent decoder of the QR round trip. Without it the
/// test skips with a clear message, except under CI=true where it fails.
/// </summary>
public static class ZbarRequirement
{
    private static readonly Lazy<string?> Zbarimg = new(() => SshdRequirement.FindOnPath("zbarimg"));

    public static string? ZbarimgPath => Zbarimg.Value;

    public static string? SkipReason =>
        ZbarimgPath is null && !SshdRequirement.IsCi
            ? "QR end-to-end test skipped: zbarimg is missing. Install the Debian package zbar-tools; with CI=true this is a failure."
            : null;

    public static string EnsureAvailable() => ZbarimgPath ?? throw new InvalidOperationException(
        "The QR end-to-end test cannot run: zbarimg is missing. Install the Debian package zbar-tools"
        + (SshdRequirement.IsCi ? " (CI=true: a missing tool fails the run instead of skipping)." : "."));
}

public sealed class ZbarFactAttribute : FactAttribute
{
    public ZbarFactAttribute()
    {
        if (ZbarRequirement.SkipReason is { } reason)
            Skip = reason;
    }
}
