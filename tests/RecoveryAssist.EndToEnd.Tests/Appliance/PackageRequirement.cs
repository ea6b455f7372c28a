using RecoveryAssist.EndToEnd.Tests.Infrastructure;

namespace RecoveryAssist.EndToEnd.Tests.Appliance;

/// <summary>
/// What building, checking and running the Debian package needs: dpkg-deb and fakeroot (dpkg-dev, fakeroot),
/// lintian, systemd-analyze (systemd), setpriv and useradd, and root (to make the service user and run as it).
/// Without them the tests skip, except under CI=true where they fail.
/// </summary>
public static class PackageRequirement
{
    private static readonly (string Program, string Package)[] Tools =
    [
        ("dpkg-deb", "dpkg"), ("fakeroot", "fakeroot"), ("lintian", "lintian"), ("systemd-analyze", "systemd"),
        ("setpriv", "util-linux"), ("useradd", "passwd"), ("dotnet", "the .NET 10 SDK"),
    ];

    public static string? MissingReason
    {
        get
        {
            if (!OperatingSystem.IsLinux())
                return "the package tests run on Linux only";
            var missing = Tools.Where(t => SshdRequirement.FindOnPath(t.Program) is null).Select(t => $"{t.Program} ({t.Package})").ToList();
            if (!SshdRequirement.IsRoot)
                missing.Add("root (to create the user recoveryassist and run the appliance as it)");
            return missing.Count == 0 ? null : "missing " + string.Join(", ", missing);
        }
    }

    public static string? SkipReason =>
        MissingReason is { } reason && !SshdRequirement.IsCi
            ? $"Debian package test skipped: {reason}. scripts/test.sh installs them; with CI=true this is a failure."
            : null;

    public static void EnsureAvailable()
    {
        if (MissingReason is { } reason)
            throw new InvalidOperationException($"The Debian package tests cannot run: {reason}. scripts/test.sh installs the Debian packages"
                + (SshdRequirement.IsCi ? " (CI=true: missing tools fail the run instead of skipping)." : "."));
    }

    /// <summary>The repository's top folder, found from the test's build output.</summary>
    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "RecoveryAssist.sln")))
                return directory.FullName;
        }
        throw new InvalidOperationException($"No RecoveryAssist.sln above {AppContext.BaseDirectory}.");
    }
}

/// <summary>A fact that builds or runs the Debian package: skipped when its tools are missing, unless CI=true.</summary>
public sealed class PackageFactAttribute : FactAttribute
{
    public PackageFactAttribute()
    {
        if (PackageRequirement.SkipReason is { } reason)
            Skip = reason;
    }
}
