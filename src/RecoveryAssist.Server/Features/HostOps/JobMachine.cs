using System.Text.RegularExpressions;

namespace RecoveryAssist.Server.Features.HostOps;

internal enum DecisionKind
{
    /// <summary>Nothing to do: the job is finished.</summary>
    None,

    RunStep,

    /// <summary>A step failed and waits for its retry time.</summary>
    Wait,

    Succeed,

    Cancel,

    /// <summary>The job needs a person: nothing runs until <see cref="JobDecision.Until"/> (a re-check), or a resume when that is null.</summary>
    Park,
}

internal sealed record JobDecision(DecisionKind Kind, int StepIndex = -1, DateTime? Until = null);

/// <summary>What the rotate step does on this attempt.</summary>
internal enum RotateAction
{
    /// <summary>No earlier attempt: rotate now.</summary>
    Rotate,

    /// <summary>An earlier attempt may have rotated: list first, then decide.</summary>
    ListFirst,
}

/// <summary>
/// The pure core of durable jobs: which steps a job has, what runs next, how an attempt's outcome
/// moves the job on, and the guards around the rotation. No I/O, no clock: the caller passes <c>now</c>.
/// </summary>
internal static class JobMachine
{
    public static IReadOnlyList<StepKind> Plan(JobKind kind) => kind switch
    {
        JobKind.Collect =>
        [
            StepKind.CollectKeys, StepKind.CollectPolicy, StepKind.CollectBootConfig,
            StepKind.CollectPlatform, StepKind.CollectNics, StepKind.CollectSecurity, StepKind.CollectVersion,
        ],
        JobKind.Rotate =>
        [
            StepKind.CheckModeTpm, StepKind.ListAndCompare, StepKind.Rotate, StepKind.EscrowRotated,
            StepKind.VerifyEscrow, StepKind.BackupAfter,
        ],
        JobKind.PostRecovery =>
        [
            StepKind.WaitForSsh, StepKind.CheckModeTpm, StepKind.BackupBefore, StepKind.ListAndCompare,
            StepKind.Rotate, StepKind.EscrowRotated, StepKind.VerifyEscrow, StepKind.BackupAfter,
            StepKind.RetireOldKey, StepKind.CompleteSession,
        ],
        JobKind.Policy => throw new ArgumentException("A policy job's steps depend on the change asked for: the policy feature plans them.", nameof(kind)),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <param name="steps">The steps of a job kind planned per job (<see cref="JobKind.Policy"/>); null for the kind's fixed plan.</param>
    public static JobRecord Create(Guid id, JobKind kind, Guid hostId, string hostName, Guid? sessionId, string requestedBy, DateTime now, IReadOnlyList<StepKind>? steps = null) => new()
    {
        Id = id,
        Kind = kind,
        HostId = hostId,
        HostName = hostName,
        SessionId = sessionId,
        State = JobState.Pending,
        RequestedBy = requestedBy,
        Created = now,
        Steps = (steps ?? Plan(kind)).Select(k => new StepRecord { Kind = k, State = StepState.Pending }).ToList(),
    };

    public static JobDecision Next(JobRecord job, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (!job.IsActive)
            return new JobDecision(DecisionKind.None);
        if (job.CancelRequested && !InCriticalSection(job))
            return new JobDecision(DecisionKind.Cancel);
        var index = job.Steps.FindIndex(s => s.State != StepState.Succeeded);
        if (index < 0)
            return new JobDecision(DecisionKind.Succeed);
        if (job.State == JobState.NeedsPerson)
        {
            return job.NextAttemptAt is { } recheck && recheck <= now
                ? new JobDecision(DecisionKind.RunStep, index)
                : new JobDecision(DecisionKind.Park, index, job.NextAttemptAt);
        }
        if (job.Steps[index].State == StepState.Failed && job.NextAttemptAt is { } at && at > now)
            return new JobDecision(DecisionKind.Wait, index, at);
        return new JobDecision(DecisionKind.RunStep, index);
    }

    /// <summary>Marks a step as started. The caller persists the job before the step acts.</summary>
    public static void Begin(JobRecord job, int index, DateTime now)
    {
        var step = job.Steps[index];
        step.State = StepState.Running;
        step.Attempts++;
        step.Started = now;
        step.Finished = null;
        job.State = JobState.Running;
        job.Started ??= now;
        job.NextAttemptAt = null;
    }

    /// <summary>Applies an attempt's outcome: the step succeeds, waits for a retry, or fails the job.</summary>
    public static void Complete(JobRecord job, int index, StepOutcome outcome, RetryPolicy policy, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var step = job.Steps[index];
        step.Finished = now;
        step.Output = outcome.Output is null ? step.Output : Redaction.Redact(outcome.Output);
        if (outcome.Kind == OutcomeKind.Succeeded)
        {
            step.State = StepState.Succeeded;
            step.FailuresInRow = 0;
            step.Message = null;
            job.Attention = null;
            return;
        }
        if (outcome.Kind == OutcomeKind.NeedsPerson)
        {
            // Waiting for a person is not a failure: it does not count against the step's attempts.
            step.State = StepState.Waiting;
            step.FailuresInRow = 0;
            step.Message = Redaction.Redact(outcome.Message ?? "waiting for a person");
            job.State = JobState.NeedsPerson;
            job.Attention = step.Message;
            job.NextAttemptAt = outcome.RecheckAfter is { } recheck ? now + recheck : null;
            return;
        }
        job.Attention = null;
        step.State = StepState.Failed;
        step.FailuresInRow++;
        step.Message = Redaction.Redact(outcome.Message ?? "failed");
        // Between a rotate and the escrow of its key, giving up could leave the host's key outside the escrow:
        // every failure there is retried (listing is read-only), for much longer.
        var critical = IsCritical(job, index) && !outcome.Settled;
        var limit = critical ? policy.CriticalMaxAttempts : policy.MaxAttempts;
        if ((outcome.Kind == OutcomeKind.Fatal && !critical) || step.FailuresInRow >= limit)
        {
            Fail(job, $"{step.Kind}: {step.Message}", now);
            return;
        }
        job.NextAttemptAt = now + policy.Delay(step.FailuresInRow);
    }

    public static void Succeed(JobRecord job, DateTime now)
    {
        job.State = JobState.Succeeded;
        job.Finished = now;
        job.NextAttemptAt = null;
        job.Error = null;
        job.Attention = null;
    }

    public static void Fail(JobRecord job, string error, DateTime now)
    {
        job.State = JobState.Failed;
        job.Finished = now;
        job.NextAttemptAt = null;
        job.Error = Redaction.Redact(error);
        job.Attention = null;
    }

    public static void Cancel(JobRecord job, DateTime now)
    {
        job.State = JobState.Cancelled;
        job.Finished = now;
        job.NextAttemptAt = null;
        job.Attention = null;
        foreach (var step in job.Steps.Where(s => s.State is StepState.Running or StepState.Waiting))
            step.State = StepState.Failed;
    }

    /// <summary>
    /// A cancel request: a job not started, or one waiting for a person, ends now; a running one ends at
    /// the next safe point.
    /// </summary>
    /// <returns>False when the job is already finished.</returns>
    public static bool RequestCancel(JobRecord job, DateTime now)
    {
        if (!job.IsActive)
            return false;
        job.CancelRequested = true;
        if ((job.State == JobState.Pending && job.Steps.All(s => s.Attempts == 0)) || job.State == JobState.NeedsPerson)
            Cancel(job, now);
        return true;
    }

    /// <summary>The person says they acted: a job waiting for them checks again now.</summary>
    /// <returns>False when the job is not waiting for a person.</returns>
    public static bool Resume(JobRecord job, DateTime now)
    {
        if (job.State != JobState.NeedsPerson)
            return false;
        job.NextAttemptAt = now;
        return true;
    }

    /// <summary>A failed or cancelled job tried again from the step it stopped at (attempt counts are kept: the guards see them).</summary>
    /// <returns>False when the job is not failed or cancelled.</returns>
    public static bool Retry(JobRecord job)
    {
        if (job.State is not (JobState.Failed or JobState.Cancelled))
            return false;
        job.State = JobState.Pending;
        job.Finished = null;
        job.Error = null;
        job.CancelRequested = false;
        job.NextAttemptAt = null;
        foreach (var step in job.Steps.Where(s => s.State != StepState.Succeeded))
            step.FailuresInRow = 0;
        return true;
    }

    /// <summary>
    /// True while the host may hold a key the escrow does not: the rotate step has started and its key is
    /// not escrowed yet. Cancellation waits for the end of this window, and its steps retry longer.
    /// </summary>
    public static bool InCriticalSection(JobRecord job)
    {
        var rotate = job.Steps.FindIndex(s => s.Kind == StepKind.Rotate);
        var escrow = job.Steps.FindIndex(s => s.Kind == StepKind.EscrowRotated);
        return rotate >= 0 && escrow >= 0 && job.Steps[rotate].Attempts > 0 && job.Steps[escrow].State != StepState.Succeeded;
    }

    private static bool IsCritical(JobRecord job, int index) =>
        InCriticalSection(job) && job.Steps[index].Kind is StepKind.Rotate or StepKind.EscrowRotated;

    /// <summary>
    /// The rotate step's guard: on its first start it rotates; on any later start an earlier attempt may
    /// have rotated (a dropped connection, a restart), so it lists and escrows first.
    /// </summary>
    public static RotateAction RotateGuard(StepRecord step) => step.Attempts > 1 ? RotateAction.ListFirst : RotateAction.Rotate;
}

/// <summary>Keeps key material out of everything a job stores or logs.</summary>
internal static partial class Redaction
{
    public const string Redacted = "[redacted]";

    /// <summary>Replaces anything shaped like a recovery key (or a run of key groups) and any <c>encryptionRecoveryKey=</c> value.</summary>
    public static string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = RecoveryKeyOption().Replace(text, "encryptionRecoveryKey=" + Redacted);
        return KeyGroups().Replace(result, Redacted);
    }

    public static string Truncate(string text, int max) => text.Length <= max ? text : text[..max] + "…";

    [GeneratedRegex(@"encryptionRecoveryKey\s*=\s*\S*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RecoveryKeyOption();

    // Two or more groups of 5-6 digits joined by dashes or spaces: a key, or part of a wrapped or garbled one.
    // Standing alone: not glued to letters or digits, so the all-digit runs inside a GUID (a Recovery ID
    // like {F9E74481-81D9-...}) or a build number are not mistaken for key groups.
    [GeneratedRegex(@"(?<!\w)\d{5,6}(?:[-\s]+\d{1,6})+(?!\w)", RegexOptions.CultureInvariant)]
    private static partial Regex KeyGroups();
}
