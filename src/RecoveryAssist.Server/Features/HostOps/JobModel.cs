using RecoveryAssist.Server.Features.Alerts;

namespace RecoveryAssist.Server.Features.HostOps;

internal enum JobKind
{
    /// <summary>Reads the host's key and facts; escrows through the verified / drift logic. Does not change the host.</summary>
    Collect,

    /// <summary>Rotates the host's key and escrows the new one (on demand or by policy).</summary>
    Rotate,

    /// <summary>After a recovery: wait for the host, check, back up, rotate, escrow, verify, back up, retire the used key, close the session.</summary>
    PostRecovery,

    /// <summary>Changes the host's TPM policy in the order ESXi requires; its steps are planned per job by Features/Policy.</summary>
    Policy,
}

internal enum JobState
{
    Pending,
    Running,
    Succeeded,
    Failed,
    Cancelled,

    /// <summary>Waits for a person to act on the host (<see cref="JobRecord.Attention"/> says what); re-checks by itself and on resume.</summary>
    NeedsPerson,
}

internal enum StepKind
{
    CollectKeys,
    CollectPolicy,
    CollectBootConfig,
    CollectPlatform,
    CollectNics,
    CollectVersion,
    WaitForSsh,
    CheckModeTpm,
    BackupBefore,
    ListAndCompare,
    Rotate,
    EscrowRotated,
    VerifyEscrow,
    BackupAfter,
    RetireOldKey,
    CompleteSession,

    /// <summary>Firmware UEFI Secure Boot (secureBoot.py -s) and the TPM (trustedboot get): facts, read with the others.</summary>
    CollectSecurity,

    /// <summary><c>/bin/backup.sh 0</c>: saves now (policy changes persist this way, esxi-reference.md).</summary>
    BackupNow,

    // The steps of policy jobs (Features/Policy/PolicySteps runs them).
    CheckKeyEscrowed,
    CheckTpmReady,
    SetModeTpm,
    CheckSecureBootReady,
    SetRequireSecureBoot,
    SetExecInstalledOnlyOption,
    WaitForReboot,
    SetRequireExecInstalledOnly,
    VerifyPolicy,
    RecollectKey,
}

internal enum StepState
{
    Pending,
    Running,
    Succeeded,
    Failed,

    /// <summary>Waits for a person (the job is <see cref="JobState.NeedsPerson"/>).</summary>
    Waiting,
}

/// <summary>One step of a job as persisted. <see cref="Output"/> and <see cref="Message"/> are redacted before they are stored.</summary>
internal sealed class StepRecord
{
    public StepKind Kind { get; set; }

    public StepState State { get; set; }

    /// <summary>Every start of this step, across retries, restarts and manual retries (never reset).</summary>
    public int Attempts { get; set; }

    /// <summary>Failures since the last success or manual retry; bounds the automatic retries.</summary>
    public int FailuresInRow { get; set; }

    public DateTime? Started { get; set; }

    public DateTime? Finished { get; set; }

    /// <summary>What the step saw (summaries, never a key or a password).</summary>
    public string? Output { get; set; }

    /// <summary>Why the last attempt failed.</summary>
    public string? Message { get; set; }
}

/// <summary>
/// A durable job: it and each step's state are written before the step acts, so a restart (even
/// SIGKILL) resumes it where it stopped. <see cref="Context"/> carries values between steps (Recovery
/// IDs, version numbers), never key material.
/// </summary>
internal sealed class JobRecord
{
    public Guid Id { get; set; }

    public JobKind Kind { get; set; }

    public Guid HostId { get; set; }

    public string HostName { get; set; } = "";

    /// <summary>The recovery session a post-recovery job completes, when there is one.</summary>
    public Guid? SessionId { get; set; }

    public JobState State { get; set; }

    public string RequestedBy { get; set; } = "";

    public DateTime Created { get; set; }

    public DateTime? Started { get; set; }

    public DateTime? Finished { get; set; }

    /// <summary>When the failed step is tried again (retry backoff).</summary>
    public DateTime? NextAttemptAt { get; set; }

    public bool CancelRequested { get; set; }

    public string? Error { get; set; }

    /// <summary>While the job needs a person: what they must do on the host before it can go on.</summary>
    public string? Attention { get; set; }

    public List<StepRecord> Steps { get; set; } = [];

    public Dictionary<string, string> Context { get; set; } = [];

    /// <summary>Rotate and post-recovery jobs change the host: at most one of them per host at a time.</summary>
    public bool Mutating => Kind != JobKind.Collect;

    /// <summary>
    /// Whether this active job keeps a job of <paramref name="kind"/> off the host. Jobs that change the host
    /// exclude one another, except that a job waiting for a person (it holds nothing while it waits) does
    /// not hold up a post-recovery job: a host that failed to boot meanwhile must get its key rotated.
    /// </summary>
    public bool Blocks(JobKind kind) =>
        kind != JobKind.Collect && Mutating && !(kind == JobKind.PostRecovery && State == JobState.NeedsPerson);

    public bool IsActive => State is JobState.Pending or JobState.Running or JobState.NeedsPerson;

    public override string ToString() => $"Job {{ Id = {Id}, Kind = {Kind}, Host = {HostName}, State = {State} }}";
}

/// <summary>Context keys a job keeps between steps.</summary>
internal static class JobContext
{
    /// <summary>The Recovery ID the host listed before the rotation (the one <c>rotate -u</c> names).</summary>
    public const string RecoveryId = "recoveryId";

    /// <summary>The escrowed version that protected the host before the rotation.</summary>
    public const string OldVersion = "oldVersion";

    /// <summary>The escrowed version of the rotated key.</summary>
    public const string NewVersion = "newVersion";

    /// <summary>/bootbank/state.tgz's modification time (epoch seconds, host clock) read just before the rotate: a save must be newer.</summary>
    public const string SavedBeforeChange = "stateTgzBeforeChange";
}

/// <summary>How a step attempt ended.</summary>
internal enum OutcomeKind
{
    Succeeded,

    /// <summary>Lost connection, timeout, a command's error exit: worth another attempt.</summary>
    Transient,

    /// <summary>Bad input (unparseable output, host key mismatch, Recovery ID mismatch, host never back): the job stops.</summary>
    Fatal,

    /// <summary>A person must act on the host first (firmware, reboot): the job waits, re-checking by itself.</summary>
    NeedsPerson,
}

/// <param name="Alert">The alert raised if this outcome ends the job (bad input names its kind).</param>
/// <param name="Settled">The host is known to hold an escrowed key (e.g. a refused rotate did not act): the failure may end the job even inside the rotation window.</param>
/// <param name="RecheckAfter">For <see cref="OutcomeKind.NeedsPerson"/>: when to look again by itself; null waits for a resume.</param>
internal sealed record StepOutcome(OutcomeKind Kind, string? Output, string? Message, AlertKind? Alert = null, bool Settled = false, TimeSpan? RecheckAfter = null)
{
    public static StepOutcome Success(string? output) => new(OutcomeKind.Succeeded, output, null);

    public static StepOutcome Transient(string message, AlertKind? alert = null) => new(OutcomeKind.Transient, null, message, alert);

    public static StepOutcome Fatal(string message, AlertKind alert, bool settled = false) => new(OutcomeKind.Fatal, null, message, alert, settled);

    /// <param name="action">What the person must do, as one actionable sentence.</param>
    public static StepOutcome NeedsPerson(string action, TimeSpan? recheckAfter, string? output = null) =>
        new(OutcomeKind.NeedsPerson, output, action, AlertKind.NeedsPerson, RecheckAfter: recheckAfter);
}

/// <summary>Retry limits: <see cref="MaxAttempts"/> in general; <see cref="CriticalMaxAttempts"/> between a rotate and the escrow of its key.</summary>
internal sealed record RetryPolicy(int MaxAttempts, int CriticalMaxAttempts, TimeSpan FirstDelay, TimeSpan MaxDelay)
{
    public TimeSpan Delay(int failuresInRow)
    {
        var exponent = Math.Clamp(failuresInRow - 1, 0, 30);
        var delay = FirstDelay.TotalMilliseconds * Math.Pow(2, exponent);
        return TimeSpan.FromMilliseconds(Math.Min(delay, MaxDelay.TotalMilliseconds));
    }
}
