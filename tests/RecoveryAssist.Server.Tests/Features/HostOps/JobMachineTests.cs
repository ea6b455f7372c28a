using RecoveryAssist.Server.Features.Alerts;
using RecoveryAssist.Server.Features.HostOps;

namespace RecoveryAssist.Server.Tests.Features.HostOps;

public sealed class JobMachineTests
{
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly RetryPolicy Policy = new(MaxAttempts: 3, CriticalMaxAttempts: 5, FirstDelay: TimeSpan.FromSeconds(2), MaxDelay: TimeSpan.FromSeconds(10));

    private static JobRecord NewJob(JobKind kind = JobKind.PostRecovery) =>
        JobMachine.Create(Guid.NewGuid(), kind, Guid.NewGuid(), "esx01", null, "tester", T0);

    private static int IndexOf(JobRecord job, StepKind kind) => job.Steps.FindIndex(s => s.Kind == kind);

    private static void SucceedUpTo(JobRecord job, StepKind before)
    {
        for (var i = 0; i < IndexOf(job, before); i++)
        {
            JobMachine.Begin(job, i, T0);
            JobMachine.Complete(job, i, StepOutcome.Success("ok"), Policy, T0);
        }
    }

    [Fact]
    public void Plan_PostRecovery_IsTheIssuesOrder()
    {
        JobMachine.Plan(JobKind.PostRecovery).Should().Equal(
            StepKind.WaitForSsh, StepKind.CheckModeTpm, StepKind.BackupBefore, StepKind.ListAndCompare, StepKind.Rotate,
            StepKind.EscrowRotated, StepKind.VerifyEscrow, StepKind.BackupAfter, StepKind.RetireOldKey, StepKind.CompleteSession);
    }

    [Fact]
    public void Next_NewJob_RunsFirstStep()
    {
        JobMachine.Next(NewJob(), T0).Should().Be(new JobDecision(DecisionKind.RunStep, 0));
    }

    [Fact]
    public void Next_AllStepsSucceeded_Succeeds()
    {
        var job = NewJob(JobKind.Collect);
        SucceedUpTo(job, StepKind.CollectVersion);
        var last = job.Steps.Count - 1;
        JobMachine.Begin(job, last, T0);
        JobMachine.Complete(job, last, StepOutcome.Success("ok"), Policy, T0);

        JobMachine.Next(job, T0).Kind.Should().Be(DecisionKind.Succeed);
    }

    [Fact]
    public void Begin_Step_MarksRunningAndCountsAttemptBeforeActing()
    {
        var job = NewJob();

        JobMachine.Begin(job, 0, T0);

        job.State.Should().Be(JobState.Running);
        job.Steps[0].Should().Match<StepRecord>(s => s.State == StepState.Running && s.Attempts == 1 && s.Started == T0);
    }

    [Fact]
    public void Next_StepRunningAtRestart_RunsItAgain()
    {
        var job = NewJob();
        JobMachine.Begin(job, 0, T0);

        JobMachine.Next(job, T0.AddHours(1)).Should().Be(new JobDecision(DecisionKind.RunStep, 0));
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 4)]
    [InlineData(3, 8)]
    [InlineData(4, 10)]
    [InlineData(30, 10)]
    public void Delay_FailuresInRow_DoublesUpToTheMaximum(int failures, int seconds)
    {
        Policy.Delay(failures).Should().Be(TimeSpan.FromSeconds(seconds));
    }

    [Fact]
    public void Complete_TransientFailure_WaitsWithBackoffThenRetries()
    {
        var job = NewJob();
        JobMachine.Begin(job, 0, T0);

        JobMachine.Complete(job, 0, StepOutcome.Transient("connection dropped"), Policy, T0);

        job.State.Should().Be(JobState.Running);
        job.Steps[0].State.Should().Be(StepState.Failed);
        JobMachine.Next(job, T0.AddSeconds(1)).Should().Be(new JobDecision(DecisionKind.Wait, 0, T0.AddSeconds(2)));
        JobMachine.Next(job, T0.AddSeconds(2)).Should().Be(new JobDecision(DecisionKind.RunStep, 0));
    }

    [Fact]
    public void Complete_TransientFailuresUpToMaxAttempts_FailsJob()
    {
        var job = NewJob();
        for (var i = 0; i < Policy.MaxAttempts; i++)
        {
            JobMachine.Begin(job, 0, T0);
            JobMachine.Complete(job, 0, StepOutcome.Transient("connection dropped"), Policy, T0);
        }

        job.State.Should().Be(JobState.Failed);
        job.Error.Should().Be("WaitForSsh: connection dropped");
    }

    [Fact]
    public void Complete_FatalOutsideRotation_FailsJobAtOnce()
    {
        var job = NewJob();
        JobMachine.Begin(job, 0, T0);

        JobMachine.Complete(job, 0, StepOutcome.Fatal("line 2: expected 16 groups", AlertKind.UnparseableOutput), Policy, T0);

        job.State.Should().Be(JobState.Failed);
        job.Steps[0].FailuresInRow.Should().Be(1);
    }

    [Fact]
    public void Complete_FatalAfterRotateStarted_RetriedUpToCriticalLimit()
    {
        var job = NewJob();
        SucceedUpTo(job, StepKind.EscrowRotated);
        var escrow = IndexOf(job, StepKind.EscrowRotated);

        for (var i = 0; i < Policy.CriticalMaxAttempts - 1; i++)
        {
            JobMachine.Begin(job, escrow, T0);
            JobMachine.Complete(job, escrow, StepOutcome.Fatal("line 2: garbled", AlertKind.UnparseableOutput), Policy, T0);
            job.State.Should().Be(JobState.Running, "the host may hold a key the escrow does not: keep listing");
        }
        JobMachine.Begin(job, escrow, T0);
        JobMachine.Complete(job, escrow, StepOutcome.Fatal("line 2: garbled", AlertKind.UnparseableOutput), Policy, T0);

        job.State.Should().Be(JobState.Failed);
    }

    [Fact]
    public void Complete_SettledFatalInRotation_FailsJob()
    {
        var job = NewJob();
        SucceedUpTo(job, StepKind.Rotate);
        var rotate = IndexOf(job, StepKind.Rotate);
        JobMachine.Begin(job, rotate, T0);

        JobMachine.Complete(job, rotate, StepOutcome.Fatal("Unable to find the recovery key", AlertKind.RecoveryIdMismatch, settled: true), Policy, T0);

        job.State.Should().Be(JobState.Failed);
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, true)]
    [InlineData(7, true)]
    public void RotateGuard_Attempts_ListsFirstWhenAnEarlierAttemptMayHaveActed(int attempts, bool listFirst)
    {
        JobMachine.RotateGuard(new StepRecord { Kind = StepKind.Rotate, Attempts = attempts }).Should().Be(listFirst ? RotateAction.ListFirst : RotateAction.Rotate);
    }

    [Fact]
    public void RequestCancel_PendingJob_CancelledAtOnce()
    {
        var job = NewJob();

        JobMachine.RequestCancel(job, T0).Should().BeTrue();

        job.State.Should().Be(JobState.Cancelled);
    }

    [Fact]
    public void RequestCancel_RunningJobOutsideRotation_CancelsBeforeNextStep()
    {
        var job = NewJob();
        SucceedUpTo(job, StepKind.BackupBefore);

        JobMachine.RequestCancel(job, T0);

        JobMachine.Next(job, T0).Kind.Should().Be(DecisionKind.Cancel);
    }

    [Fact]
    public void RequestCancel_InsideRotationWindow_WaitsUntilNewKeyEscrowed()
    {
        var job = NewJob();
        SucceedUpTo(job, StepKind.Rotate);
        var rotate = IndexOf(job, StepKind.Rotate);
        JobMachine.Begin(job, rotate, T0);
        JobMachine.Complete(job, rotate, StepOutcome.Success("rotated"), Policy, T0);

        JobMachine.RequestCancel(job, T0);

        JobMachine.InCriticalSection(job).Should().BeTrue();
        JobMachine.Next(job, T0).Should().Be(new JobDecision(DecisionKind.RunStep, IndexOf(job, StepKind.EscrowRotated)));
        JobMachine.Begin(job, rotate + 1, T0);
        JobMachine.Complete(job, rotate + 1, StepOutcome.Success("escrowed"), Policy, T0);
        JobMachine.Next(job, T0).Kind.Should().Be(DecisionKind.Cancel);
    }

    [Fact]
    public void Retry_FailedJob_ResumesAtFailedStepWithFreshBudgetAndKeptAttempts()
    {
        var job = NewJob();
        SucceedUpTo(job, StepKind.CheckModeTpm);
        var check = IndexOf(job, StepKind.CheckModeTpm);
        JobMachine.Begin(job, check, T0);
        JobMachine.Complete(job, check, StepOutcome.Fatal("Mode NONE", AlertKind.UnparseableOutput), Policy, T0);

        JobMachine.Retry(job).Should().BeTrue();

        job.State.Should().Be(JobState.Pending);
        job.Steps[check].Should().Match<StepRecord>(s => s.FailuresInRow == 0 && s.Attempts == 1);
        JobMachine.Next(job, T0).Should().Be(new JobDecision(DecisionKind.RunStep, check));
    }

    [Fact]
    public void Retry_SucceededJob_Refused()
    {
        var job = NewJob();
        JobMachine.Succeed(job, T0);

        JobMachine.Retry(job).Should().BeFalse();
    }

    [Fact]
    public void Complete_OutputWithKey_StoredRedacted()
    {
        var job = NewJob();
        JobMachine.Begin(job, 0, T0);

        JobMachine.Complete(job, 0, new StepOutcome(OutcomeKind.Transient, "key 478269-039194-473926-430939 seen", "kernelopt encryptionRecoveryKey=478269-039194"), Policy, T0);

        job.Steps[0].Output.Should().Be("key [redacted] seen");
        job.Steps[0].Message.Should().Be("kernelopt encryptionRecoveryKey=[redacted]");
    }

    private static JobRecord WaitingJob(TimeSpan? recheck)
    {
        var job = JobMachine.Create(Guid.NewGuid(), JobKind.Policy, Guid.NewGuid(), "esx01", null, "tester", T0,
            [StepKind.CheckKeyEscrowed, StepKind.CheckSecureBootReady, StepKind.SetRequireSecureBoot]);
        JobMachine.Begin(job, 0, T0);
        JobMachine.Complete(job, 0, StepOutcome.Success("ok"), Policy, T0);
        JobMachine.Begin(job, 1, T0);
        JobMachine.Complete(job, 1, StepOutcome.NeedsPerson("enable Secure Boot in firmware and reboot", recheck), Policy, T0);
        return job;
    }

    [Fact]
    public void Create_PlannedSteps_UsesThemInOrder()
    {
        var job = JobMachine.Create(Guid.NewGuid(), JobKind.Policy, Guid.NewGuid(), "esx01", null, "tester", T0, [StepKind.CheckKeyEscrowed, StepKind.BackupNow]);

        job.Steps.Select(s => s.Kind).Should().Equal(StepKind.CheckKeyEscrowed, StepKind.BackupNow);
    }

    [Fact]
    public void Create_PolicyWithoutSteps_Refused()
    {
        var act = () => JobMachine.Create(Guid.NewGuid(), JobKind.Policy, Guid.NewGuid(), "esx01", null, "tester", T0);

        act.Should().Throw<ArgumentException>().WithMessage("*policy feature plans them*");
    }

    [Fact]
    public void Plan_Collect_ReadsSecurityFactsBeforeTheVersionMarksFactsRead()
    {
        JobMachine.Plan(JobKind.Collect).Should().Equal(
            StepKind.CollectKeys, StepKind.CollectPolicy, StepKind.CollectBootConfig, StepKind.CollectPlatform,
            StepKind.CollectNics, StepKind.CollectSecurity, StepKind.CollectVersion);
    }

    [Fact]
    public void Complete_NeedsPerson_JobWaitsWithAttentionAndRecheckTime()
    {
        var job = WaitingJob(TimeSpan.FromSeconds(60));

        job.State.Should().Be(JobState.NeedsPerson);
        job.IsActive.Should().BeTrue();
        job.Attention.Should().Be("enable Secure Boot in firmware and reboot");
        job.NextAttemptAt.Should().Be(T0.AddSeconds(60));
        job.Steps[1].Should().Match<StepRecord>(s => s.State == StepState.Waiting && s.FailuresInRow == 0 && s.Message == job.Attention);
    }

    [Fact]
    public void Next_NeedsPersonBeforeRecheck_ParksUntilRecheck()
    {
        var job = WaitingJob(TimeSpan.FromSeconds(60));

        JobMachine.Next(job, T0.AddSeconds(59)).Should().Be(new JobDecision(DecisionKind.Park, 1, T0.AddSeconds(60)));
        JobMachine.Next(job, T0.AddSeconds(60)).Should().Be(new JobDecision(DecisionKind.RunStep, 1));
    }

    [Fact]
    public void Next_NeedsPersonWithoutRecheck_ParksUntilResumed()
    {
        var job = WaitingJob(recheck: null);

        JobMachine.Next(job, T0.AddDays(30)).Should().Be(new JobDecision(DecisionKind.Park, 1, null));
        JobMachine.Resume(job, T0.AddDays(30)).Should().BeTrue();
        JobMachine.Next(job, T0.AddDays(30)).Should().Be(new JobDecision(DecisionKind.RunStep, 1));
    }

    [Fact]
    public void Complete_NeedsPersonRepeatedly_NeverFailsTheJob()
    {
        var job = WaitingJob(TimeSpan.FromSeconds(1));
        for (var i = 0; i < 10; i++)
        {
            JobMachine.Begin(job, 1, T0);
            JobMachine.Complete(job, 1, StepOutcome.NeedsPerson("still off", TimeSpan.FromSeconds(1)), Policy, T0);
        }

        job.State.Should().Be(JobState.NeedsPerson);
        job.Steps[1].Attempts.Should().Be(11);
    }

    [Fact]
    public void Complete_WaitingStepSucceeds_AttentionClearedJobGoesOn()
    {
        var job = WaitingJob(TimeSpan.FromSeconds(1));
        JobMachine.Begin(job, 1, T0);

        JobMachine.Complete(job, 1, StepOutcome.Success("Enabled"), Policy, T0);

        job.Attention.Should().BeNull();
        job.State.Should().Be(JobState.Running);
        JobMachine.Next(job, T0).Should().Be(new JobDecision(DecisionKind.RunStep, 2));
    }

    [Fact]
    public void Resume_JobNotWaiting_Refused()
    {
        JobMachine.Resume(NewJob(), T0).Should().BeFalse();
    }

    [Fact]
    public void RequestCancel_JobWaitingForPerson_CancelledAtOnce()
    {
        var job = WaitingJob(TimeSpan.FromSeconds(60));

        JobMachine.RequestCancel(job, T0).Should().BeTrue();

        job.State.Should().Be(JobState.Cancelled);
        job.Attention.Should().BeNull();
        job.Steps[1].State.Should().Be(StepState.Failed);
        JobMachine.Retry(job).Should().BeTrue();
        JobMachine.Next(job, T0).Should().Be(new JobDecision(DecisionKind.RunStep, 1));
    }

    [Theory]
    [InlineData("Collect", false)]
    [InlineData("Rotate", true)]
    [InlineData("Policy", true)]
    [InlineData("PostRecovery", false)]
    public void Blocks_PolicyJobWaitingForPerson_OnlyPostRecoveryMayStart(string other, bool blocked)
    {
        WaitingJob(TimeSpan.FromSeconds(60)).Blocks(Enum.Parse<JobKind>(other)).Should().Be(blocked);
    }

    [Fact]
    public void Blocks_RunningJobThatChangesTheHost_KeepsEveryOtherChangeOff()
    {
        var job = NewJob(JobKind.Rotate);
        JobMachine.Begin(job, 0, T0);

        job.Blocks(JobKind.PostRecovery).Should().BeTrue();
        job.Blocks(JobKind.Collect).Should().BeFalse();
    }
}
