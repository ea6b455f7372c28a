using RecoveryAssist.Core.Esxcli;
using RecoveryAssist.Server.Features.HostOps;
using RecoveryAssist.Server.Features.Policy;

namespace RecoveryAssist.Server.Tests.Features.Policy;

public sealed class PolicyComplianceTests
{
    private static readonly DateTime Now = new(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc);
    private static readonly TimeSpan KeyAge = TimeSpan.FromHours(24);
    private static readonly ResolvedPolicy Hardened = DesiredResolution.Resolve(null, [], null);

    private static HostPolicySnapshot Host(PolicyFacts facts, KeyFacts? key = null, ResolvedPolicy? desired = null, ActivePolicyJob? job = null, bool ssh = true) =>
        new(Guid.NewGuid(), "esx01", [], facts, key ?? new KeyFacts(true, Now.AddHours(-1)), ssh, desired ?? Hardened, job);

    private static PolicyFacts Facts(ProtectionMode? mode = ProtectionMode.Tpm, bool? secureBoot = true, bool? exec = true, bool? configured = true, bool? runtime = true,
        bool? firmware = true, bool? tpm = true, string? vendor = null, string? version = "8.0.2", bool read = true) =>
        new(mode, secureBoot, exec, configured, runtime, firmware, tpm, vendor, version, read ? Now.AddHours(-1) : null);

    private static HostCompliance Evaluate(HostPolicySnapshot host) => PolicyCompliance.Evaluate(host, Now, KeyAge);

    private static IEnumerable<string> Codes(HostCompliance c) => c.Findings.Select(f => f.Code);

    [Fact]
    public void Evaluate_HardenedHostWithFreshKey_CompliantNothingToDo()
    {
        var result = Evaluate(Host(Facts()));

        result.Should().BeEquivalentTo(new HostCompliance(true, [], null));
    }

    [Fact]
    public void Evaluate_ModeNone_EveryGapListedModeFirstWithItsCommand()
    {
        var result = Evaluate(Host(Facts(mode: ProtectionMode.None, secureBoot: false, exec: false, configured: false, runtime: false), new KeyFacts(false, null)));

        result.Compliant.Should().BeFalse();
        Codes(result).Should().Equal("mode-none", "secure-boot-not-enforced", "exec-not-enforced");
        result.Next.Should().Be("confirm the TPM 2.0 is enabled in the host's firmware, then: recoveryassist policy set esx01 --mode tpm --confirm-irreversible --tpm-enabled-in-firmware");
        result.Findings[1].NextStep.Should().StartWith("after Mode TPM: recoveryassist policy set esx01 --require-secure-boot on");
    }

    [Fact]
    public void Evaluate_ModeNoneWithoutTpm_NextIsEnablingTheTpmInFirmware()
    {
        Evaluate(Host(Facts(mode: ProtectionMode.None, secureBoot: false, exec: false, tpm: false))).Next
            .Should().StartWith("enable the TPM 2.0 in the host's firmware and boot it (ESXi reports no TPM), then: recoveryassist policy set esx01 --mode tpm");
    }

    [Fact]
    public void Evaluate_ModeNoneKnownBadTpm_NextWarnsBeforeTrying()
    {
        Evaluate(Host(Facts(mode: ProtectionMode.None, secureBoot: false, exec: false, vendor: "NTZ", version: "7.0.3"))).Next
            .Should().StartWith("NationZ TPMs are known to fail set --mode=TPM on ESXi 7.0 U3 (this host runs 7.0.3): update ESXi first, or try anyway:")
            .And.EndWith("--accept-tpm-risk");
    }

    [Fact]
    public void Evaluate_SecureBootOffFirmwareOff_NextIsFirmwareAndReboot()
    {
        var result = Evaluate(Host(Facts(secureBoot: false, exec: false, configured: false, runtime: false, firmware: false)));

        Codes(result).Should().Equal("secure-boot-not-enforced", "exec-not-enforced");
        result.Findings[0].Problem.Should().Be("Require Secure Boot is off; the firmware reports UEFI Secure Boot Disabled");
        result.Next.Should().StartWith("enable Secure Boot in firmware and reboot, then: recoveryassist policy set esx01 --require-secure-boot on");
        result.Findings[1].NextStep.Should().Be("after Require Secure Boot: recoveryassist policy set esx01 --require-exec-installed-only on");
    }

    [Theory]
    [InlineData(false, false, "recoveryassist policy set esx01 --require-exec-installed-only on (it sets execInstalledOnly TRUE, then waits for you to reboot the host)")]
    [InlineData(true, false, "reboot the host (execInstalledOnly TRUE takes effect at boot), then: recoveryassist policy set esx01 --require-exec-installed-only on")]
    [InlineData(true, true, "recoveryassist policy set esx01 --require-exec-installed-only on")]
    public void Evaluate_ExecNotEnforced_NextDependsOnTheKernelSetting(bool configured, bool runtime, string expected)
    {
        var result = Evaluate(Host(Facts(exec: false, configured: configured, runtime: runtime)));

        Codes(result).Should().StartWith("exec-not-enforced");
        result.Next.Should().Be(expected);
    }

    [Fact]
    public void Evaluate_ExecEnforcedButKernelSettingOff_DangerComesFirst()
    {
        var result = Evaluate(Host(Facts(configured: false, runtime: true), new KeyFacts(false, null)));

        Codes(result).Should().Equal("boot-will-fail", "no-key");
        result.Findings[0].Severity.Should().Be(FindingSeverity.Danger);
        result.Next.Should().StartWith("before any reboot, set execInstalledOnly TRUE again");
    }

    [Fact]
    public void Evaluate_SecureBootRequiredButFirmwareOff_Danger()
    {
        Codes(Evaluate(Host(Facts(firmware: false)))).Should().Equal("boot-will-fail");
    }

    [Fact]
    public void Evaluate_KeyMissingOrStale_CollectNext()
    {
        Evaluate(Host(Facts(), new KeyFacts(false, null))).Next.Should().Be("collect the host: recoveryassist collect esx01 --wait");
        var stale = Evaluate(Host(Facts(), new KeyFacts(true, Now.AddHours(-30))));
        Codes(stale).Should().Equal("key-not-verified");
        stale.Findings[0].Problem.Should().Be("the escrowed key was last verified on the host 2026-02-28 06:00:00Z, more than 24 h ago");
    }

    [Fact]
    public void Evaluate_ModeNoneWithoutKey_KeyNotAProblem()
    {
        Codes(Evaluate(Host(Facts(mode: ProtectionMode.None, secureBoot: false, exec: false), new KeyFacts(false, null)))).Should().NotContain("no-key");
    }

    [Fact]
    public void Evaluate_NeverRead_OnlyKeyAndReadFindingsWithSshAdvice()
    {
        var result = Evaluate(Host(Facts(mode: null, secureBoot: null, exec: null, configured: null, runtime: null, firmware: null, tpm: null, read: false), new KeyFacts(false, null), ssh: false));

        Codes(result).Should().Equal("no-key", "not-read");
        result.Next.Should().Be("give the appliance SSH access (recoveryassist host ssh esx01), then collect it: recoveryassist collect esx01 --wait");
    }

    [Fact]
    public void Evaluate_JobWaitsForPerson_NextIsWhatThePersonMustDo()
    {
        var id = Guid.NewGuid();
        var result = Evaluate(Host(Facts(secureBoot: false, exec: false), job: new ActivePolicyJob(id, JobState.NeedsPerson, PolicyRules.EnableSecureBoot)));

        Codes(result).Should().StartWith("needs-person");
        result.Next.Should().Be($"{PolicyRules.EnableSecureBoot} (then it goes on by itself, or: recoveryassist job resume {id})");
    }

    [Fact]
    public void Evaluate_DesiredOffButEnforced_ProblemWithCommandTurningBothOff()
    {
        var desired = DesiredResolution.Resolve(new PolicySettings(null, false, false), [], null);

        var result = Evaluate(Host(Facts(), desired: desired));

        Codes(result).Should().Equal("secure-boot-enforced", "exec-enforced");
        result.Next.Should().Be("recoveryassist policy set esx01 --require-exec-installed-only off --require-secure-boot off");
    }

    [Fact]
    public void Evaluate_TagsConflict_ReportedAndFieldNotJudged()
    {
        var desired = DesiredResolution.Resolve(null, [("prod", new PolicySettings(null, true, null)), ("legacy", new PolicySettings(null, false, false))], null);

        var result = Evaluate(Host(Facts(secureBoot: false, exec: false, configured: false, runtime: false), desired: desired));

        Codes(result).Should().Contain("desired-conflict").And.NotContain("secure-boot-not-enforced");
    }

    [Fact]
    public void Evaluate_RebootPendingOnly_CompliantWithInfo()
    {
        var desired = DesiredResolution.Resolve(new PolicySettings(null, true, false), [], null);

        var result = Evaluate(Host(Facts(exec: false, configured: true, runtime: false), desired: desired));

        result.Compliant.Should().BeTrue();
        Codes(result).Should().Equal("reboot-pending");
    }

    [Fact]
    public void Summarize_Hosts_CountsEachKindOfGap()
    {
        var hosts = new[]
        {
            Host(Facts()),
            Host(Facts(mode: ProtectionMode.None, secureBoot: false, exec: false, configured: false, runtime: false)),
            Host(Facts(secureBoot: false, exec: false, configured: false, runtime: false), new KeyFacts(false, null)),
        }.Select(h => (h, Evaluate(h))).ToList();

        PolicyCompliance.Summarize(hosts).Should().Be(new PolicyReportSummary(3, 1, 1, 2, 2, 1, 0, 0));
    }
}
