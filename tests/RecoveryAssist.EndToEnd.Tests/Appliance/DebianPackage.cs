namespace RecoveryAssist.EndToEnd.Tests.Appliance;

/// <summary>
/// The .deb that <c>scripts/package.sh</c> builds (once per test run; the script itself reuses a package
/// built from the same sources), extracted into a scratch root with <c>dpkg -x</c> as dpkg would lay it
/// out, and the service user the postinst makes.
/// </summary>
public sealed class DebianPackage : IAsyncLifetime
{
    public const string UserName = "recoveryassist";
    public const string UnitPath = "/usr/lib/systemd/system/recoveryassist.service";

    public string Deb { get; private set; } = "";

    /// <summary>Where the package is extracted: paths inside the package are under it.</summary>
    public string Root { get; private set; } = "";

    public string BuildOutput { get; private set; } = "";

    public async Task InitializeAsync()
    {
        PackageRequirement.EnsureAvailable();
        var repo = PackageRequirement.RepositoryRoot();
        var built = await Tool.RunAsync(Path.Combine(repo, "scripts", "package.sh"), [], TimeSpan.FromMinutes(20), repo);
        if (built.ExitCode != 0)
            throw new InvalidOperationException($"scripts/package.sh failed: {built}");
        BuildOutput = built.Output;
        Deb = built.Output.TrimEnd().Split('\n')[^1].Trim();
        Root = Directory.CreateDirectory(TestDirectory.NewPath("ra-deb-root-")).FullName;
        var extracted = await Tool.RunAsync("dpkg-deb", ["-x", Deb, Root], TimeSpan.FromMinutes(2));
        if (extracted.ExitCode != 0)
            throw new InvalidOperationException($"dpkg-deb -x failed: {extracted}");
        await EnsureServiceUserAsync();
    }

    /// <summary>A path inside the package (e.g. <c>/usr/bin/recoveryassist</c>) in the scratch root.</summary>
    public string InRoot(string packagePath) => Path.Join(Root, packagePath);

    internal SystemdUnit Unit() => SystemdUnit.Parse(File.ReadAllText(InRoot(UnitPath)));

    /// <summary>The user as the postinst makes it (adduser --system --group), unless this machine has it already.</summary>
    private static async Task EnsureServiceUserAsync()
    {
        if ((await Tool.RunAsync("getent", "passwd", UserName)).ExitCode == 0)
            return;
        var added = await Tool.RunAsync("useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/var/lib/recoveryassist", "--shell", "/usr/sbin/nologin", UserName);
        // Another test run may have made it meanwhile (exit 9: already exists).
        if (added.ExitCode is not (0 or 9))
            throw new InvalidOperationException($"useradd {UserName} failed: {added}");
    }

    public Task DisposeAsync()
    {
        TestDirectory.Delete(Root);
        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class DebianPackageCollection : ICollectionFixture<DebianPackage>
{
    public const string Name = "Debian package";
}
