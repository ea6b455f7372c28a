using RecoveryAssist.Server.Features.HostOps;
using RecoveryAssist.Server.Features.Recovery;

namespace RecoveryAssist.Server.Features.Web;

/// <summary>A session and the post-recovery job that finishes it, as the pages follow them step by step.</summary>
internal sealed record RecoveryProgress(RecoverySession Session, JobRecord? Job)
{
    /// <summary>Nothing more will change: the page stops asking.</summary>
    public bool Settled => !Session.IsOpen && Job is not { IsActive: true };

    public static RecoveryProgress Of(RecoverySession session, HostOpsService jobs) =>
        new(session, jobs.List(session.HostId, null, 0, 50).FirstOrDefault(j => j.SessionId == session.Id));

    /// <summary>What a step means to the person watching; the words of the chain "host up → saved → rotated → escrowed → verified".</summary>
    public static string StepName(StepKind kind) => kind switch
    {
        StepKind.WaitForSsh => "Host up",
        StepKind.CheckModeTpm => "Mode TPM checked",
        StepKind.BackupBefore => "Saved",
        StepKind.ListAndCompare => "Key compared",
        StepKind.Rotate => "Rotated",
        StepKind.EscrowRotated => "Escrowed",
        StepKind.VerifyEscrow => "Verified",
        StepKind.BackupAfter => "Saved again",
        StepKind.RetireOldKey => "Old key retired",
        StepKind.CompleteSession => "Session completed",
        StepKind.CollectKeys => "Keys read",
        StepKind.CollectPolicy => "Policy read",
        StepKind.CollectBootConfig => "Boot options read",
        StepKind.CollectPlatform => "Platform read",
        StepKind.CollectNics => "Network cards read",
        StepKind.CollectVersion => "Version read",
        StepKind.CollectSecurity => "Secure Boot and TPM read",
        StepKind.BackupNow => "Saved",
        _ => kind.ToString(),
    };

    public static string StepClass(StepState state) => state switch
    {
        StepState.Succeeded => "done",
        StepState.Running or StepState.Waiting => "now",
        StepState.Failed => "failed",
        _ => "",
    };

    public static string JobTone(JobState state) => state switch
    {
        JobState.Succeeded => "ok",
        JobState.Failed => "bad",
        JobState.NeedsPerson => "warn",
        JobState.Cancelled => "",
        _ => "info",
    };

    public static string SessionTone(SessionState state) => state switch
    {
        SessionState.Completed => "ok",
        SessionState.Opened or SessionState.Approved => "warn",
        SessionState.Expired or SessionState.Cancelled => "",
        _ => "info",
    };
}
