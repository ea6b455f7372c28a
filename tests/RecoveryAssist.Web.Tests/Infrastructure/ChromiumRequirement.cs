using RecoveryAssist.EndToEnd.Tests.Infrastructure;

namespace RecoveryAssist.Web.Tests.Infrastructure;

/// <summary>
/// Debian's Chromium (package chromium) drives the web console through Playwright; no browser is
/// downloaded. Without it the browser tests skip, except under CI=true where they fail.
/// </summary>
public static class ChromiumRequirement
{
    /// <summary>/usr/bin/chromium, or $RA_TEST_CHROMIUM (e.g. to check how the suite behaves without it).</summary>
    public static string ExecutablePath { get; } =
        Environment.GetEnvironmentVariable("RA_TEST_CHROMIUM") is { Length: > 0 } overridden ? overridden : "/usr/bin/chromium";

    public static string? MissingReason =>
        File.Exists(ExecutablePath) ? null : $"missing {ExecutablePath} (Debian package chromium)";

    public static string? SkipReason =>
        MissingReason is { } reason && !SshdRequirement.IsCi
            ? $"browser test skipped: {reason}. Install chromium and fonts-dejavu-core; with CI=true this is a failure."
            : null;
}

/// <summary>A test in Chromium: skipped when Chromium is missing, unless CI=true (then it fails).</summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (ChromiumRequirement.SkipReason is { } reason)
            Skip = reason;
    }
}

/// <summary>A test in Chromium against the real sshd and the ESXi simulator: skipped when either is missing, unless CI=true.</summary>
public sealed class BrowserSshdFactAttribute : FactAttribute
{
    public BrowserSshdFactAttribute()
    {
        if (ChromiumRequirement.SkipReason is { } reason)
            Skip = reason;
        else if (SshdRequirement.SkipReason is { } sshd)
            Skip = sshd;
    }
}
