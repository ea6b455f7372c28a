namespace RecoveryAssist.EndToEnd.Tests.Appliance;

/// <summary>
/// The package as built by scripts/package.sh, extracted and started as its systemd unit would start it,
/// driven with the command line it installs.
/// </summary>
[Collection(DebianPackageCollection.Name)]
public sealed class InstalledPackageTests(DebianPackage package)
{
    private string InstalledCli => package.InRoot("/usr/bin/recoveryassist");

    [PackageFact]
    public async Task SmokeFlow_InstalledAsTheUnitStartsIt_SignInImportRecoverRevealBackupRestoreMetrics()
    {
        await using var appliance = await InstalledAppliance.StartAsync(package);
        using var flow = new SmokeFlow(appliance, InstalledCli);

        foreach (var (_, run) in flow.Steps)
            await run();

        // UMask=0077 and StateDirectoryMode=0700: what the appliance wrote is its user's alone.
        var state = new DirectoryInfo(appliance.StateDirectory);
        state.UnixFileMode.Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var shared = state.EnumerateFileSystemInfos("*", SearchOption.AllDirectories)
            .Where(f => (f.UnixFileMode & (UnixFileMode)0b000_111_111) != 0).Select(f => f.FullName);
        shared.Should().BeEmpty("the data directory's files are readable by the service user only");
        File.Exists(Path.Combine(appliance.StateDirectory, "kek.key")).Should().BeTrue();
        appliance.Console.Should().NotContain(flow.ImportedKey.Reveal());
    }

    [PackageFact]
    public async Task Stop_Sigterm_NotifiesStoppingAndExits()
    {
        await using var appliance = await InstalledAppliance.StartAsync(package);

        var state = await appliance.StopAsync();

        state.Should().Contain("STOPPING=1");
    }

    [PackageFact]
    public async Task SettingsFile_Missing_ExitTwoNamingIt()
    {
        var unit = package.Unit();
        var missing = Path.Combine(package.Root, "etc", "recoveryassist", "no-such.json");

        var run = await Tool.RunAsync(package.InRoot(unit.ExecStart[0]), [], TimeSpan.FromMinutes(1), package.Root,
            new Dictionary<string, string> { ["RECOVERYASSIST_CONFIG"] = missing, ["RECOVERYASSIST_DATA"] = Path.Combine(package.Root, "unused-data") });

        run.ExitCode.Should().Be(2, run.ToString());
        run.Error.Should().Contain($"RECOVERYASSIST_CONFIG names {missing}, which does not exist");
        Directory.Exists(Path.Combine(package.Root, "unused-data")).Should().BeFalse("nothing is created before the settings are read");
    }

    [PackageFact]
    public async Task SettingsFile_BadJson_ExitTwoNamingFileAndLine()
    {
        var unit = package.Unit();
        var bad = Path.Combine(package.Root, "bad-settings.json");
        await File.WriteAllTextAsync(bad, "{\n  \"RecoveryAssist\": {\n    \"StaleKeyDays\": ,\n  }\n}\n");

        var run = await Tool.RunAsync(package.InRoot(unit.ExecStart[0]), [], TimeSpan.FromMinutes(1), package.Root,
            new Dictionary<string, string> { ["RECOVERYASSIST_CONFIG"] = bad, ["RECOVERYASSIST_DATA"] = Path.Combine(package.Root, "unused-data") });

        run.ExitCode.Should().Be(2, run.ToString());
        run.Error.Should().Contain($"settings file {bad}").And.Contain("LineNumber: 2");
    }
}
