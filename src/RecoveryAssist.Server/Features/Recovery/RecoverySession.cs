namespace RecoveryAssist.Server.Features.Recovery;

/// <summary>
/// Where a session stands. Open: <see cref="Opened"/> to <see cref="HostSeenUp"/>; closed: the last three.
/// opened → approved → revealed → (armed) → host-seen-up → completed; or expired / cancelled.
/// </summary>
internal enum SessionState
{
    Opened,
    Approved,
    Revealed,
    Armed,
    HostSeenUp,
    Completed,
    Expired,
    Cancelled,
}

internal enum RecoveryReason
{
    TpmCleared,
    TpmFailed,
    MotherboardReplaced,
    DiskMoved,
    Other,
}

/// <summary>How the key reaches the host: typed or scanned at the console, or in an armed network boot.</summary>
internal enum RecoveryPath
{
    Console,
    Network,
}

/// <summary>One person acting on a session, as the audit log names them.</summary>
/// <param name="Role">The user's role (for the approval waiver), or null for the system.</param>
internal sealed record Person(string Name, string? Role, string? ClientAddress)
{
    public static readonly Person System = new("system", null, null);

    /// <summary>The signed-in caller of a request, with their role and address.</summary>
    public static Person Of(Microsoft.AspNetCore.Http.HttpContext context)
    {
        var actor = Hosting.HttpContextExtensions.Actor(context);
        return new Person(actor.Name, context.User.FindFirst(global::System.Security.Claims.ClaimTypes.Role)?.Value, actor.ClientAddress);
    }
}

/// <summary>One read of the key through a session: who, when, from where, and in which form.</summary>
internal sealed class RevealRecord
{
    public DateTime Time { get; set; }

    public string By { get; set; } = "";

    public string? ClientAddress { get; set; }

    /// <summary>json, qr-png, qr-svg or console-page.</summary>
    public string Form { get; set; } = "";
}

/// <summary>One transition, as persisted with the session and appended to the audit log.</summary>
internal sealed class SessionEvent
{
    public DateTime Time { get; set; }

    public SessionState State { get; set; }

    /// <summary>The audit action, e.g. <c>session.approved</c>.</summary>
    public string Action { get; set; } = "";

    public string By { get; set; } = "";

    public string? ClientAddress { get; set; }

    public string? Detail { get; set; }
}

/// <summary>
/// A recovery session as stored. Never holds key material: the key stays sealed in its key version,
/// and the session names that version.
/// </summary>
internal sealed class RecoverySession
{
    public Guid Id { get; set; }

    public Guid HostId { get; set; }

    public string HostName { get; set; } = "";

    public RecoveryReason Reason { get; set; }

    public string Ticket { get; set; } = "";

    public RecoveryPath Path { get; set; }

    public SessionState State { get; set; }

    public string RequestedBy { get; set; } = "";

    public string? RequestedByRole { get; set; }

    public DateTime Opened { get; set; }

    public DateTime Expires { get; set; }

    public string? ApprovedBy { get; set; }

    public DateTime? Approved { get; set; }

    public bool ApprovalWaived { get; set; }

    /// <summary>The key version the session reveals, fixed when it is opened.</summary>
    public int KeyVersion { get; set; }

    public string RecoveryId { get; set; } = "";

    public List<RevealRecord> Reveals { get; set; } = [];

    public List<DateTime> EntryChecks { get; set; } = [];

    public DateTime? Armed { get; set; }

    public DateTime? HostSeenUp { get; set; }

    public DateTime? Closed { get; set; }

    public string? ClosedBy { get; set; }

    public string? CancelReason { get; set; }

    public List<SessionEvent> History { get; set; } = [];

    public bool IsOpen => State is not (SessionState.Completed or SessionState.Expired or SessionState.Cancelled);

    public override string ToString() => $"RecoverySession {{ Id = {Id}, Host = {HostName}, State = {State} }}";
}
