using RecoveryAssist.Core.Esxcli;
using RecoveryAssist.Server.Features.Policy;

namespace RecoveryAssist.Server.Tests.Features.Policy;

public sealed class DesiredResolutionTests
{
    private static (string, PolicySettings) Tag(string tag, bool? secureBoot = null, bool? exec = null, ProtectionMode? mode = null) => (tag, new PolicySettings(mode, secureBoot, exec));

    [Fact]
    public void Resolve_NothingSet_BaselineIsAHardenedHost()
    {
        DesiredResolution.Resolve(null, [], null).Should().BeEquivalentTo(new ResolvedPolicy(true, "baseline", true, "baseline", true, "baseline", []));
    }

    [Fact]
    public void Resolve_HostOverridesTagOverridesDefault_FieldByField()
    {
        var resolved = DesiredResolution.Resolve(
            new PolicySettings(null, null, false),
            [Tag("lab", secureBoot: false)],
            new PolicySettings(ProtectionMode.None, true, true));

        resolved.Should().BeEquivalentTo(new ResolvedPolicy(false, "default", false, "tag:lab", false, "host", []));
    }

    [Fact]
    public void Resolve_TagsAgree_BothNamed()
    {
        DesiredResolution.Resolve(null, [Tag("rack-2", secureBoot: false), Tag("lab", secureBoot: false)], null).SecureBootSource.Should().Be("tag:lab,rack-2");
    }

    [Fact]
    public void Resolve_TagsDisagree_ConflictNamedAndFallsBack()
    {
        var resolved = DesiredResolution.Resolve(null, [Tag("prod", secureBoot: true), Tag("legacy", secureBoot: false)], new PolicySettings(null, false, false));

        resolved.Conflicts.Should().Equal("requireSecureBoot: tags disagree (legacy off, prod on)");
        resolved.RequireSecureBoot.Should().BeFalse();
        resolved.SecureBootSource.Should().Be("default");
    }

    [Fact]
    public void Resolve_HostDecidesWhatTagsDisagreeOn_NoConflict()
    {
        DesiredResolution.Resolve(new PolicySettings(null, true, null), [Tag("prod", secureBoot: true), Tag("legacy", secureBoot: false)], null)
            .Conflicts.Should().BeEmpty();
    }

    [Fact]
    public void Inconsistencies_ExecWithoutSecureBootOrRequirementsWithoutTpm_Named()
    {
        var resolved = DesiredResolution.Resolve(null, [Tag("lab", secureBoot: false, mode: ProtectionMode.None)], null);

        resolved.Inconsistencies().Should().Equal(
            "requireExecInstalledOnly on (baseline) with requireSecureBoot off (tag:lab): ESXi enforces exec only with Secure Boot",
            "a requirement on with mode none (tag:lab): the requirements exist only in Mode TPM");
    }
}
