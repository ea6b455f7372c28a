using RecoveryAssist.Core.Esxcli;
using RecoveryAssist.Server.Features.HostOps;
using RecoveryAssist.Server.Features.Policy;
using RecoveryAssist.Server.Hosting;

namespace RecoveryAssist.Server.Tests.Features.Policy;

public sealed class PolicyPlannerTests
{
    private static readonly DateTime Read = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly PolicyConfirmations None = new(false, false, false);
    private static readonly PolicyConfirmations ModeConfirmed = new(ConfirmIrreversible: true, TpmEnabledInFirmware: true, AcceptKnownTpmIssue: false);

    internal static PolicyFacts Facts(ProtectionMode? mode = ProtectionMode.Tpm, bool? secureBoot = false, bool? exec = false, bool? configured = false, bool? runtime = false,
        bool? firmware = true, bool? tpm = true, string? vendor = null, string? version = "8.0.2") =>
        new(mode, secureBoot, exec, configured, runtime, firmware, tpm, vendor, version, mode is null ? null : Read);

    private static PolicyPlan Plan(PolicySettings requested, PolicyFacts facts, PolicyConfirmations? confirm = null) =>
        PolicyPlanner.Plan(requested, confirm ?? None, facts);

    private static ProblemException Refused(Action act) => act.Should().Throw<ProblemException>().Which;

    [Fact]
    public void Plan_EnableSecureBoot_KeyFirstThenFirmwareCheckSetVerifyBackupKey()
    {
        var plan = Plan(new PolicySettings(null, true, null), Facts());

        plan.Steps.Should().Equal(StepKind.CheckKeyEscrowed, StepKind.CheckSecureBootReady, StepKind.SetRequireSecureBoot,
            StepKind.VerifyPolicy, StepKind.BackupNow, StepKind.RecollectKey);
        plan.Change.Should().Be(new PolicyChange(false, true, null));
        plan.Warnings.Should().BeEmpty("firmware Secure Boot is reported Enabled");
    }

    [Fact]
    public void Plan_EnableExec_SetsKernelOptionWaitsForRebootThenSetsPolicy()
    {
        var plan = Plan(new PolicySettings(null, null, true), Facts(secureBoot: true));

        plan.Steps.Should().Equal(StepKind.CheckKeyEscrowed, StepKind.SetExecInstalledOnlyOption, StepKind.BackupNow, StepKind.WaitForReboot, StepKind.SetRequireExecInstalledOnly,
            StepKind.VerifyPolicy, StepKind.BackupNow, StepKind.RecollectKey);
        plan.Warnings.Should().ContainSingle().Which.Should().Contain("waits for a person to reboot");
    }

    [Fact]
    public void Plan_ModeNoneToEverything_ModeThenSecureBootThenExec()
    {
        var plan = Plan(new PolicySettings(ProtectionMode.Tpm, true, true), Facts(mode: ProtectionMode.None), ModeConfirmed);

        plan.Steps.Should().Equal(
            StepKind.CheckKeyEscrowed,
            StepKind.CheckTpmReady, StepKind.SetModeTpm, StepKind.VerifyPolicy, StepKind.RecollectKey, StepKind.BackupAfter, StepKind.RecollectKey,
            StepKind.CheckSecureBootReady, StepKind.SetRequireSecureBoot, StepKind.VerifyPolicy, StepKind.BackupNow, StepKind.RecollectKey,
            StepKind.SetExecInstalledOnlyOption, StepKind.BackupNow, StepKind.WaitForReboot, StepKind.SetRequireExecInstalledOnly, StepKind.VerifyPolicy, StepKind.BackupNow, StepKind.RecollectKey);
        plan.Warnings.Should().Contain("Mode TPM cannot be undone");
    }

    [Fact]
    public void Plan_DisableBoth_ExecBeforeSecureBoot()
    {
        var plan = Plan(new PolicySettings(null, false, false), Facts(secureBoot: true, exec: true, configured: true, runtime: true));

        plan.Steps.Should().Equal(StepKind.CheckKeyEscrowed,
            StepKind.SetRequireExecInstalledOnly, StepKind.VerifyPolicy, StepKind.BackupNow, StepKind.RecollectKey,
            StepKind.SetRequireSecureBoot, StepKind.VerifyPolicy, StepKind.BackupNow, StepKind.RecollectKey);
    }

    [Fact]
    public void Plan_EverythingAlreadyInPlace_NoStepsAndSaysSo()
    {
        var plan = Plan(new PolicySettings(ProtectionMode.Tpm, true, true), Facts(secureBoot: true, exec: true, configured: true, runtime: true));

        plan.Change.IsEmpty.Should().BeTrue();
        plan.Steps.Should().BeEmpty();
        plan.Notes.Should().Equal("Mode is already TPM", "Require Secure Boot is already on", "Require Executables Only From Installed VIBs is already on");
    }

    [Fact]
    public void Plan_FactsNeverRead_PlansEveryAskedPhaseAndNeedsModeConfirmation()
    {
        var unknown = Facts(mode: null, secureBoot: null, exec: null, configured: null, runtime: null, firmware: null, tpm: null);

        Refused(() => Plan(new PolicySettings(ProtectionMode.Tpm, null, null), unknown)).Message.Should().Contain("confirmIrreversible");
        var plan = Plan(new PolicySettings(null, true, null), unknown);
        plan.Steps.Should().Contain(StepKind.SetRequireSecureBoot);
        plan.Warnings.Should().ContainSingle().Which.Should().Contain("will wait for a person to enable it in firmware");
    }

    [Theory]
    [InlineData(null, true, false, false, "requireExecInstalledOnly: on needs Require Secure Boot on")]
    [InlineData(false, true, true, false, "requireExecInstalledOnly: on needs Require Secure Boot on")]
    [InlineData(false, null, true, true, "requireSecureBoot: off needs Require Executables Only From Installed VIBs off first")]
    public void Plan_ExecWithoutSecureBoot_400NamingTheField(bool? secureBoot, bool? exec, bool factSecureBoot, bool factExec, string expected)
    {
        var problem = Refused(() => Plan(new PolicySettings(null, secureBoot, exec), Facts(secureBoot: factSecureBoot, exec: factExec, configured: factExec, runtime: factExec)));

        problem.Status.Should().Be(400);
        problem.Code.Should().Be("invalid-policy");
        problem.Message.Should().Contain(expected);
    }

    [Fact]
    public void Plan_RequirementOnModeNoneHost_400AskingForModeTpm()
    {
        var problem = Refused(() => Plan(new PolicySettings(null, true, null), Facts(mode: ProtectionMode.None)));

        problem.Message.Should().Contain("requireSecureBoot: the requirements exist only in Mode TPM").And.Contain("--mode tpm");
    }

    [Fact]
    public void Plan_ModeTpmWithoutConfirmations_400NamingBothFieldsAtOnce()
    {
        var problem = Refused(() => Plan(new PolicySettings(ProtectionMode.Tpm, null, null), Facts(mode: ProtectionMode.None)));

        problem.Message.Should().Contain("confirmIrreversible: Mode TPM cannot be undone").And.Contain("tpmEnabledInFirmware: confirm that the TPM 2.0 is enabled");
    }

    [Fact]
    public void Plan_ModeNoneAsked_400BecauseTpmCannotBeUndone()
    {
        Refused(() => Plan(new PolicySettings(ProtectionMode.None, null, null), Facts())).Message.Should().Contain("mode: only tpm can be set");
    }

    [Fact]
    public void Plan_NothingAsked_400()
    {
        Refused(() => Plan(new PolicySettings(null, null, null), Facts())).Message.Should().Contain("give at least one of mode, requireSecureBoot, requireExecInstalledOnly");
    }

    [Theory]
    [InlineData("NTZ", "7.0.2")]
    [InlineData("IFX", "7.0.2")]
    [InlineData("NTC", "7.0.2")]
    [InlineData("NTZ", "7.0.3")]
    public void Plan_ModeTpmOnTpmKnownToFail_409UnlessAccepted(string vendor, string version)
    {
        var facts = Facts(mode: ProtectionMode.None, vendor: vendor, version: version);

        var problem = Refused(() => Plan(new PolicySettings(ProtectionMode.Tpm, null, null), facts, ModeConfirmed));
        problem.Status.Should().Be(409);
        problem.Code.Should().Be("tpm-known-to-fail");
        problem.Message.Should().Contain("known to fail set --mode=TPM").And.Contain("--accept-tpm-risk");

        var accepted = Plan(new PolicySettings(ProtectionMode.Tpm, null, null), facts, ModeConfirmed with { AcceptKnownTpmIssue = true });
        accepted.Warnings.Should().Contain(w => w.Contains("trying anyway", StringComparison.Ordinal));
    }

    [Fact]
    public void Plan_ModeTpmVendorNotReported_WarnsThatKnownFailuresCannotBeToldAhead()
    {
        var plan = Plan(new PolicySettings(ProtectionMode.Tpm, null, null), Facts(mode: ProtectionMode.None, vendor: null, version: "7.0.2"), ModeConfirmed);

        plan.Warnings.Should().Contain(w => w.StartsWith("the host does not report its TPM's vendor", StringComparison.Ordinal));
    }

    [Fact]
    public void ExpectedAt_VerifySteps_CheckWhatTheSetStepsBeforeThemChanged()
    {
        var change = new PolicyChange(true, true, true);
        var steps = PolicyPlanner.Steps(change);
        var verifies = steps.Select((s, i) => (s, i)).Where(x => x.s == StepKind.VerifyPolicy).Select(x => x.i).ToList();

        PolicyPlanner.ExpectedAt(steps, verifies[0], change).Should().Be(new PolicySettings(ProtectionMode.Tpm, null, null));
        PolicyPlanner.ExpectedAt(steps, verifies[1], change).Should().Be(new PolicySettings(ProtectionMode.Tpm, true, null));
        PolicyPlanner.ExpectedAt(steps, verifies[2], change).Should().Be(new PolicySettings(ProtectionMode.Tpm, true, true));
    }

    [Fact]
    public void Context_RoundTrip_JobReadsBackTheChangeAndFlags()
    {
        var change = new PolicyChange(false, false, null);
        var job = new JobRecord { Context = PolicyPlanner.Context(change, acceptKnownTpmIssue: true) };

        PolicyPlanner.ChangeOf(job).Should().Be(change);
        PolicyPlanner.AcceptsKnownTpmIssue(job).Should().BeTrue();
        PolicyPlanner.IsForced(job).Should().BeFalse();
        PolicyPlanner.MarkForced(job.Context);
        PolicyPlanner.IsForced(job).Should().BeTrue();
    }
}
