using RecoveryAssist.Server.Features.Alerts;
using RecoveryAssist.Server.Features.HostOps;

namespace RecoveryAssist.Server.Tests.Features.Alerts;

public sealed class AlertClearingTests
{
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly Guid Host = Guid.NewGuid();

    private static JobRecord Job(JobKind kind, JobState state, params StepKind[] succeeded)
    {
        var job = JobMachine.Create(Guid.NewGuid(), kind, Host, "esx01", null, "tester", T0,
            kind == JobKind.Policy ? [StepKind.CheckKeyEscrowed, StepKind.SetRequireSecureBoot, StepKind.BackupNow] : null);
        job.State = state;
        foreach (var step in job.Steps.Where(s => succeeded.Contains(s.Kind)))
            step.State = StepState.Succeeded;
        return job;
    }

    private static AlertRecord Alert(AlertKind kind, Guid? jobId)
    {
        AlertMachine.Raise(null, kind, Host, "esx01", jobId, "m", T0, out var alert);
        return alert;
    }

    private static JobKind? Unknown(Guid id) => null;

    [Fact]
    public void Reason_OwnJobSucceeded_Clears()
    {
        var job = Job(JobKind.Collect, JobState.Succeeded);

        AlertClearing.Reason(Alert(AlertKind.UnparseableOutput, job.Id), job, Unknown).Should().Contain("succeeded");
    }

    [Fact]
    public void Reason_NeedsPersonJobNoLongerWaits_ClearsEvenWhenItFailed()
    {
        var job = Job(JobKind.Policy, JobState.Failed);

        AlertClearing.Reason(Alert(AlertKind.NeedsPerson, job.Id), job, Unknown).Should().Contain("no longer waits");
    }

    [Fact]
    public void Reason_NeedsPersonJobStillWaits_Stays()
    {
        var job = Job(JobKind.Policy, JobState.NeedsPerson);
        job.Attention = "reboot required";

        AlertClearing.Reason(Alert(AlertKind.NeedsPerson, job.Id), job, Unknown).Should().BeNull();
    }

    [Fact]
    public void Reason_OtherJobConfirmedASave_ClearsBackupFailed()
    {
        var job = Job(JobKind.PostRecovery, JobState.Succeeded, StepKind.BackupAfter);

        AlertClearing.Reason(Alert(AlertKind.BackupFailed, Guid.NewGuid()), job, Unknown).Should().Contain("save was confirmed");
    }

    [Fact]
    public void Reason_OtherJobWithoutSave_BackupFailedStays()
    {
        var job = Job(JobKind.Collect, JobState.Succeeded, StepKind.CollectKeys);

        AlertClearing.Reason(Alert(AlertKind.BackupFailed, Guid.NewGuid()), job, Unknown).Should().BeNull();
    }

    [Fact]
    public void Reason_KeyEscrowed_ClearsEscrowAtRisk()
    {
        var job = Job(JobKind.Collect, JobState.Succeeded, StepKind.CollectKeys);

        AlertClearing.Reason(Alert(AlertKind.EscrowAtRisk, Guid.NewGuid()), job, Unknown).Should().Contain("escrowed");
    }

    [Fact]
    public void Reason_SameKindOfJobSucceededLater_ClearsItsFailure()
    {
        var failed = Guid.NewGuid();
        var job = Job(JobKind.Policy, JobState.Succeeded);

        AlertClearing.Reason(Alert(AlertKind.PolicyRefused, failed), job, id => id == failed ? JobKind.Policy : null).Should().NotBeNull();
        AlertClearing.Reason(Alert(AlertKind.PolicyRefused, failed), job, id => id == failed ? JobKind.Rotate : null).Should().BeNull();
    }

    [Theory]
    [InlineData(nameof(AlertKind.KeyDrift))]
    [InlineData(nameof(AlertKind.IdentityChanged))]
    [InlineData(nameof(AlertKind.RecoveryIdMismatch))]
    [InlineData(nameof(AlertKind.SameKeyOnSeveralHosts))]
    public void Reason_WhatOnlyAPersonJudges_Stays(string kindName)
    {
        var kind = Enum.Parse<AlertKind>(kindName);
        var job = Job(JobKind.Rotate, JobState.Succeeded, StepKind.BackupAfter, StepKind.EscrowRotated);

        AlertClearing.Reason(Alert(kind, Guid.NewGuid()), job, _ => JobKind.Rotate).Should().BeNull();
        AlertClearing.Reason(Alert(kind, job.Id), job, _ => JobKind.Rotate).Should().BeNull("the job that saw it succeeding is no answer");
    }

    [Fact]
    public void Reason_OtherHost_Stays()
    {
        var job = Job(JobKind.Collect, JobState.Succeeded);
        var alert = Alert(AlertKind.HostUnreachable, null);
        alert.HostId = Guid.NewGuid();

        AlertClearing.Reason(alert, job, Unknown).Should().BeNull();
    }
}
