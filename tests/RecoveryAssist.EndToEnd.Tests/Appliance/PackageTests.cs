using System.Globalization;
using System.Text.RegularExpressions;

namespace RecoveryAssist.EndToEnd.Tests.Appliance;

/// <summary>The .deb and its systemd unit as Debian's and systemd's own tools judge them.</summary>
[Collection(DebianPackageCollection.Name)]
public sealed partial class PackageTests(DebianPackage package)
{
    [PackageFact]
    public async Task Lintian_Package_NoErrors()
    {
        var lintian = await Tool.RunAsync("lintian", ["--allow-root", "--tag-display-limit", "0", package.Deb], TimeSpan.FromMinutes(5));

        var errors = lintian.Output.Split('\n').Where(l => l.StartsWith("E: ", StringComparison.Ordinal));
        errors.Should().BeEmpty(lintian.ToString());
        lintian.ExitCode.Should().Be(0, lintian.ToString());
    }

    [PackageFact]
    public async Task SystemdAnalyzeVerify_InstalledUnit_Clean()
    {
        // verify needs the targets the unit names (and checks ExecStart= in the same root): the host's units beside ours.
        var units = package.InRoot("/usr/lib/systemd/system");
        foreach (var file in Directory.EnumerateFiles("/usr/lib/systemd/system", "*.target"))
            File.Copy(file, Path.Combine(units, Path.GetFileName(file)), overwrite: true);

        // --man=no: Documentation=man:recoveryassist(1) is in the scratch root, where the host's man does not look; checked below.
        var verify = await Tool.RunAsync("systemd-analyze", ["verify", "--man=no", "--root=" + package.Root, "recoveryassist.service"], TimeSpan.FromMinutes(1));

        verify.ExitCode.Should().Be(0, verify.ToString());
        verify.Error.Should().BeEmpty("systemd-analyze warns about unknown or misplaced settings on stderr");
        verify.Output.Should().BeEmpty();
        File.ReadAllText(package.InRoot(DebianPackage.UnitPath)).Should().Contain("Documentation=man:recoveryassist(1)");
        File.Exists(package.InRoot("/usr/share/man/man1/recoveryassist.1.gz")).Should().BeTrue();
    }

    [PackageFact]
    public async Task SystemdAnalyzeSecurity_Unit_ExposureAtMostTwo()
    {
        var security = await Tool.RunAsync("systemd-analyze", "security", "--offline=true", "--no-pager", package.InRoot(DebianPackage.UnitPath));

        security.ExitCode.Should().Be(0, security.ToString());
        var exposure = ExposureLine().Match(security.Output);
        exposure.Success.Should().BeTrue(security.ToString());
        double.Parse(exposure.Groups[1].Value, CultureInfo.InvariantCulture).Should().BeLessThanOrEqualTo(2.0, security.Output);
    }

    [PackageFact]
    public void Unit_OneCapabilityNotifyAndStateDirectory()
    {
        var unit = package.Unit();

        unit.Single("Type").Should().Be("notify");
        unit.Single("CapabilityBoundingSet").Should().Be("CAP_NET_BIND_SERVICE");
        unit.Single("AmbientCapabilities").Should().Be("CAP_NET_BIND_SERVICE");
        unit.Single("StateDirectory").Should().Be("recoveryassist");
        unit.Single("StateDirectoryMode").Should().Be("0700");
        unit.Single("User").Should().Be(DebianPackage.UserName);
        unit.Environment["RECOVERYASSIST_DATA"].Should().Be("/var/lib/recoveryassist");
        File.Exists(package.InRoot(unit.Environment["RECOVERYASSIST_CONFIG"])).Should().BeTrue();
    }

    [PackageFact]
    public async Task Contents_CliOnPathConffileAndMaintainerScripts()
    {
        var control = await Tool.RunAsync("dpkg-deb", "--info", package.Deb);
        var contents = await Tool.RunAsync("dpkg-deb", "--contents", package.Deb);
        var scripts = Directory.CreateDirectory(Path.Combine(package.Root, "..", Path.GetFileName(package.Root) + "-control")).FullName;
        (await Tool.RunAsync("dpkg-deb", "--control", package.Deb, scripts)).ExitCode.Should().Be(0);

        control.Output.Should().Contain("Package: recoveryassist").And.Contain("Architecture: amd64").And.Contain("Depends: adduser");
        contents.Output.Should().MatchRegex(@"\./usr/bin/recoveryassist -> \.\./lib/recoveryassist/recoveryassist");
        contents.Output.Should().Contain("./usr/lib/recoveryassist/RecoveryAssist.Server");
        (await File.ReadAllTextAsync(Path.Combine(scripts, "conffiles"))).Trim().Should().Be("/etc/recoveryassist/recoveryassist.json");
        foreach (var script in new[] { "postinst", "prerm", "postrm" })
        {
            var syntax = await Tool.RunAsync("sh", "-n", Path.Combine(scripts, script));
            syntax.ExitCode.Should().Be(0, $"{script}: {syntax}");
        }
        (await File.ReadAllTextAsync(Path.Combine(scripts, "postrm"))).Should().NotContain("rm -rf /var/lib/recoveryassist", "purge never deletes the escrow");
        var version = await Tool.RunAsync(package.InRoot("/usr/bin/recoveryassist"), "--version");
        version.ExitCode.Should().Be(0, version.ToString());
        TestDirectory.Delete(scripts);
    }

    [GeneratedRegex(@"Overall exposure level for \S+: (\d+\.\d+)")]
    private static partial Regex ExposureLine();
}
