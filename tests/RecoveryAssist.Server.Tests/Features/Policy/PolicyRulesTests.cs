using RecoveryAssist.Core.Esxcli;
using RecoveryAssist.Server.Features.Policy;

namespace RecoveryAssist.Server.Tests.Features.Policy;

public sealed class PolicyRulesTests
{
    [Theory]
    [InlineData("NTZ", "7.0.2", "NationZ TPMs are known to fail set --mode=TPM on ESXi 7.0 U2")]
    [InlineData("NationZ", "7.0.3", "NationZ TPMs are known to fail set --mode=TPM on ESXi 7.0 U3")]
    [InlineData("IFX", "7.0.2", "Infineon TPMs are known to fail")]
    [InlineData("ntc", "7.0.2", "Nuvoton NPCT75x TPMs are known to fail")]
    [InlineData("IFX", "7.0.3", null)]
    [InlineData("NTC", "7.0.3", null)]
    [InlineData("NTZ", "8.0.2", null)]
    [InlineData("NTZ", "7.0.1", null)]
    [InlineData("STM", "7.0.2", null)]
    [InlineData(null, "7.0.2", null)]
    [InlineData("NTZ", null, null)]
    [InlineData("NTZ", "7.0", null)]
    public void KnownTpmIssue_VendorAndRelease_MatchesTheDocumentedList(string? vendor, string? version, string? expected)
    {
        var issue = PolicyRules.KnownTpmIssue(vendor, version);

        if (expected is null)
            issue.Should().BeNull();
        else
            issue.Should().StartWith(expected);
    }

    private static LiveState State(ProtectionMode mode = ProtectionMode.Tpm, bool secureBoot = false, bool exec = false, bool? runtime = false,
        bool? firmware = false, bool? tpm = true, string? vendor = null, string? version = "8.0.2") =>
        new(mode, secureBoot, exec, runtime, firmware, tpm, vendor, version);

    [Fact]
    public void ExplainRefusal_SecureBootWithFirmwareOff_NamesFirmwareSecureBoot()
    {
        PolicyRules.ExplainRefusal(PolicyChangeKind.RequireSecureBootOn, State(firmware: false)).Should().Be(
            "ESXi refused set --require-secure-boot=T. Unmet prerequisite: UEFI Secure Boot on in the firmware (secureBoot.py -s: Disabled)");
    }

    [Fact]
    public void ExplainRefusal_ExecBeforeReboot_NamesRuntimeSetting()
    {
        PolicyRules.ExplainRefusal(PolicyChangeKind.RequireExecInstalledOnlyOn, State(secureBoot: true, runtime: false, firmware: true)).Should().Be(
            "ESXi refused set --require-exec-installed-only=T. Unmet prerequisite: execInstalledOnly TRUE at runtime, i.e. set and then rebooted (runtime: FALSE)");
    }

    [Fact]
    public void ExplainRefusal_ExecWithoutSecureBootInModeNone_NamesEveryUnmetPrerequisite()
    {
        PolicyRules.ExplainRefusal(PolicyChangeKind.RequireExecInstalledOnlyOn, State(mode: ProtectionMode.None, runtime: true)).Should().Be(
            "ESXi refused set --require-exec-installed-only=T. Unmet prerequisite: Mode TPM (the host is in Mode NONE); Require Secure Boot true (it is false)");
    }

    [Fact]
    public void ExplainRefusal_ModeTpmKnownBadTpm_NamesTheTpm()
    {
        PolicyRules.ExplainRefusal(PolicyChangeKind.ModeTpm, State(mode: ProtectionMode.None, vendor: "NTZ", version: "7.0.3")).Should().Be(
            "ESXi refused set --mode=TPM. Unmet prerequisite: NationZ TPMs are known to fail set --mode=TPM on ESXi 7.0 U3 (this host runs 7.0.3)");
    }

    [Fact]
    public void ExplainRefusal_ModeTpmNoTpm_NamesTheFirmwareSetting()
    {
        PolicyRules.ExplainRefusal(PolicyChangeKind.ModeTpm, State(mode: ProtectionMode.None, tpm: false))
            .Should().Contain("the host reports no TPM (Tpm Present false): enable the TPM 2.0 in firmware");
    }

    [Fact]
    public void ExplainRefusal_ModeTpmVendorUnknown_NamesTheUsableTpmRequirementAndTheKnownList()
    {
        PolicyRules.ExplainRefusal(PolicyChangeKind.ModeTpm, State(mode: ProtectionMode.None, vendor: null, version: "7.0.2")).Should().Be(
            "ESXi refused set --mode=TPM. Unmet prerequisite: a TPM 2.0 that ESXi can use (the host does not report the TPM's vendor; "
            + "NationZ, Infineon and Nuvoton NPCT75x TPMs fail on 7.0 U2 and NationZ on 7.0 U3; this host runs 7.0.2)");
    }

    [Fact]
    public void ExplainRefusal_PrerequisitesMet_SaysSoAndPointsAtTheLogs()
    {
        PolicyRules.ExplainRefusal(PolicyChangeKind.RequireSecureBootOn, State(firmware: true))
            .Should().Be("ESXi refused set --require-secure-boot=T although what it documents as prerequisites (Mode TPM and UEFI Secure Boot on in the firmware) appears met as read now: check the host's logs (vmkernel.log, hostd.log)");
    }

    [Theory]
    [InlineData("Unable to change the encryption mode and policy. Verify that the current host configuration can satisfy the new requirement.\n", true)]
    [InlineData("Error: Invalid option --colour", false)]
    public void IsRefusal_EsxiText_Recognised(string output, bool expected)
    {
        PolicyRules.IsRefusal(output).Should().Be(expected);
    }
}
