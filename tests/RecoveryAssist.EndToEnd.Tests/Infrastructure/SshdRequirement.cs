namespace RecoveryAssist.EndToEnd.Tests.Infrastructure;

/// <summary>
/// Whether the real OpenSSH tools are here. Debian packages: openssh-server (/usr/sbin/sshd) and
/// openssh-client (ssh-keygen). Without them the tests skip, except under CI=true where they fail.
/// </summary>
public static class SshdRequirement
{
    /// <summary>/usr/sbin/sshd, or $RA_TEST_SSHD (e.g. to check how the suite behaves without sshd).</summary>
    public static string SshdPath { get; } =
        Environment.GetEnvironmentVariable("RA_TEST_SSHD") is { Length: > 0 } overridden ? overridden : "/usr/sbin/sshd";

    private static readonly Lazy<string?> SshKeygen = new(() => FindOnPath("ssh-keygen"));

    public static string? SshKeygenPath => SshKeygen.Value;

    /// <summary>Null when sshd and ssh-keygen are available; otherwise what is missing and how to get it.</summary>
    public static string? MissingReason
    {
        get
        {
            var missing = new List<string>();
            if (!OperatingSystem.IsLinux())
                return "the sshd end-to-end tests run on Linux only";
            if (!File.Exists(SshdPath))
                missing.Add($"{SshdPath} (Debian package openssh-server)");
            if (SshKeygenPath is null)
                missing.Add("ssh-keygen (Debian package openssh-client)");
            return missing.Count == 0 ? null : "missing " + string.Join(" and ", missing);
        }
    }

    /// <summary>CI=true turns a missing prerequisite from a skip into a failure.</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The skip reason for a test that needs sshd, or null when it must run (tools present, or CI).</summary>
    public static string? SkipReason =>
        MissingReason is { } reason && !IsCi
            ? $"sshd end-to-end test skipped: {reason}. Install openssh-server and openssh-client; with CI=true this is a failure."
            : null;

    /// <summary>Throws the clear failure CI needs when the tools are missing.</summary>
    public static void EnsureAvailable()
    {
        if (MissingReason is { } reason)
        {
            throw new InvalidOperationException(
                $"The sshd end-to-end tests cannot run: {reason}. Install the Debian packages openssh-server and openssh-client "
                + (IsCi ? "(CI=true: missing tools fail the run instead of skipping)." : "."));
        }
    }

    public static bool IsRoot => Environment.UserName == "root";

    internal static string? FindOnPath(string program)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var directory in path.Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(["/usr/bin", "/usr/sbin", "/bin", "/sbin"]))
        {
            var candidate = Path.Combine(directory, program);
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }
}

/// <summary>A fact that needs the real sshd: skipped when OpenSSH is missing, unless CI=true.</summary>
public sealed class SshdFactAttribute : FactAttribute
{
    public SshdFactAttribute()
    {
        if (SshdRequirement.SkipReason is { } reason)
            Skip = reason;
    }
}

/// <summary>A theory that needs the real sshd: skipped when OpenSSH is missing, unless CI=true.</summary>
public sealed class SshdTheoryAttribute : TheoryAttribute
{
    public SshdTheoryAttribute()
    {
        if (SshdRequirement.SkipReason is { } reason)
            Skip = reason;
    }
}
