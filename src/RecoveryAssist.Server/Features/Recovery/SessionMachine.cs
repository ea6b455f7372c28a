using System.Globalization;
using RecoveryAssist.Server.Features.Audit;

namespace RecoveryAssist.Server.Features.Recovery;

/// <summary>Why a session refused an action. <see cref="RecoveryProblems"/> maps it to an HTTP status.</summary>
internal enum RefusalKind
{
    BadRequest,
    Forbidden,
    NotFound,
    Conflict,
    Expired,
    RateLimited,
}

/// <summary>A refusal with a stable code and a message for the person at the console. Never holds key material.</summary>
internal sealed record SessionRefusal(RefusalKind Kind, string Code, string Message);

internal sealed class SessionRefusedException(SessionRefusal refusal) : Exception(refusal.Message)
{
    public SessionRefusal Refusal { get; } = refusal;
}

/// <summary>
/// The recovery session state machine: a pure core. It takes a session, a person and the time, checks
/// that the transition is allowed, and records it in the session's history; it never touches the store,
/// the audit log or the key. Every method either changes the session and appends one event per
/// transition, or throws <see cref="SessionRefusedException"/> and leaves the session as it was.
/// </summary>
internal sealed class SessionMachine(TimeProvider time, RecoveryOptions options)
{
    public DateTime Now() => AuditChain.Truncate(time.GetUtcNow());

    /// <summary>Opens a session; approves it at once when the requester's role is waived from approval.</summary>
    /// <param name="openForHost">The host's open session, if any, already checked for expiry.</param>
    public RecoverySession Open(
        Guid id, Guid hostId, string hostName, RecoveryReason reason, string ticket, RecoveryPath path,
        int keyVersion, string recoveryId, Person by, RecoverySession? openForHost)
    {
        if (openForHost is { IsOpen: true })
        {
            Refuse(RefusalKind.Conflict, "session-exists",
                $"Host {hostName} already has an open session {openForHost.Id} ({SessionNames.Status(openForHost.State)}); finish or cancel it first.");
        }
        var now = Now();
        var session = new RecoverySession
        {
            Id = id,
            HostId = hostId,
            HostName = hostName,
            Reason = reason,
            Ticket = ticket,
            Path = path,
            State = SessionState.Opened,
            RequestedBy = by.Name,
            RequestedByRole = by.Role,
            Opened = now,
            Expires = now + options.SessionLifetime,
            KeyVersion = keyVersion,
            RecoveryId = recoveryId,
        };
        Record(session, SessionState.Opened, "session.opened", by, string.Create(CultureInfo.InvariantCulture,
            $"host {hostName}; reason {SessionNames.Of(reason)}; ticket {ticket}; path {SessionNames.Of(path)}; key version {keyVersion}; Recovery ID {recoveryId}; expires {session.Expires:O}"));
        if (IsWaived(by))
        {
            session.State = SessionState.Approved;
            session.ApprovedBy = by.Name;
            session.Approved = now;
            session.ApprovalWaived = true;
            Record(session, SessionState.Approved, "session.approved", by, $"host {hostName}; second-person approval waived by policy for role {by.Role}");
        }
        return session;
    }

    /// <summary>Moves a session past its expiry to <see cref="SessionState.Expired"/>; true when it did.</summary>
    public bool ExpireIfDue(RecoverySession session)
    {
        if (!session.IsOpen || session.State == SessionState.HostSeenUp || Now() < session.Expires)
            return false;
        session.State = SessionState.Expired;
        session.Closed = Now();
        session.ClosedBy = Person.System.Name;
        var detail = session.Reveals.Count > 0
            ? $"host {session.HostName}; expired after {session.Reveals.Count} reveal(s): the key was shown, rotate it"
            : $"host {session.HostName}; expired";
        Record(session, SessionState.Expired, "session.expired", Person.System, detail);
        return true;
    }

    public void Approve(RecoverySession session, Person by)
    {
        EnsureUsable(session);
        if (session.State != SessionState.Opened)
            Refuse(RefusalKind.Conflict, "already-approved", $"Session {session.Id} is already {SessionNames.Status(session.State)}.");
        if (string.Equals(by.Name, session.RequestedBy, StringComparison.OrdinalIgnoreCase))
            Refuse(RefusalKind.Forbidden, "self-approval", "You opened this session, so you cannot approve it: a second person must.");
        session.State = SessionState.Approved;
        session.ApprovedBy = by.Name;
        session.Approved = Now();
        Record(session, SessionState.Approved, "session.approved", by, $"host {session.HostName}; requested by {session.RequestedBy}");
    }

    /// <summary>Records one read of the key. The first moves an approved session to <see cref="SessionState.Revealed"/>.</summary>
    /// <param name="form">json, qr-png, qr-svg or console-page.</param>
    public void Reveal(RecoverySession session, Person by, string form)
    {
        EnsureKeyReadable(session);
        var now = Now();
        var recent = session.Reveals.Where(r => r.Time > now - options.RateWindow).OrderBy(r => r.Time).ToList();
        if (recent.Count >= options.RevealLimit)
        {
            var retry = recent[recent.Count - options.RevealLimit].Time + options.RateWindow;
            Refuse(RefusalKind.RateLimited, "reveal-rate-limited", string.Create(CultureInfo.InvariantCulture,
                $"This session's key was shown {recent.Count} times in the last {options.RateWindowMinutes} minutes; try again after {retry:HH:mm:ss} UTC."));
        }
        session.Reveals.Add(new RevealRecord { Time = now, By = by.Name, ClientAddress = by.ClientAddress, Form = form });
        if (session.State == SessionState.Approved)
            session.State = SessionState.Revealed;
        Record(session, session.State, "session.revealed", by, string.Create(CultureInfo.InvariantCulture,
            $"host {session.HostName}; key version {session.KeyVersion}; Recovery ID {session.RecoveryId}; form {form}; reveal {session.Reveals.Count}"));
    }

    /// <summary>Records an entry check (typed text compared with the key); rate-limited like reveals.</summary>
    /// <param name="summary">The outcome without digits, e.g. "groups 3, 7 differ".</param>
    public void CheckEntry(RecoverySession session, Person by, string summary)
    {
        EnsureKeyReadable(session);
        var now = Now();
        if (session.EntryChecks.Count(t => t > now - options.RateWindow) >= options.EntryCheckLimit)
        {
            Refuse(RefusalKind.RateLimited, "check-rate-limited", string.Create(CultureInfo.InvariantCulture,
                $"Too many entry checks on this session in the last {options.RateWindowMinutes} minutes; wait, or compare the groups by eye."));
        }
        session.EntryChecks.Add(now);
        Record(session, session.State, "session.entry-checked", by, $"host {session.HostName}; {summary}");
    }

    /// <summary>Throws when the key may not be read through this session now (before approval, after expiry, once used).</summary>
    public void EnsureKeyReadable(RecoverySession session)
    {
        EnsureUsable(session);
        switch (session.State)
        {
            case SessionState.Opened:
                Refuse(RefusalKind.Forbidden, "session-not-approved", $"Session {session.Id} is not approved yet: a second person must approve it first.");
                break;
            case SessionState.HostSeenUp:
                Refuse(RefusalKind.Conflict, "key-used", $"Host {session.HostName} is up: the key was used and is awaiting rotation, so it is no longer shown.");
                break;
        }
    }

    /// <summary>Arms a network-path session (the network-boot feature serves the key once, to this host).</summary>
    public void Arm(RecoverySession session, Person by)
    {
        EnsureUsable(session);
        if (session.Path != RecoveryPath.Network)
            Refuse(RefusalKind.Conflict, "wrong-path", $"Session {session.Id} is for console entry; only a network-path session can be armed.");
        if (session.State == SessionState.Opened)
            Refuse(RefusalKind.Forbidden, "session-not-approved", $"Session {session.Id} is not approved yet: a second person must approve it first.");
        if (session.State is not (SessionState.Approved or SessionState.Revealed))
            Refuse(RefusalKind.Conflict, "invalid-transition", $"Session {session.Id} is {SessionNames.Status(session.State)} and cannot be armed.");
        session.State = SessionState.Armed;
        session.Armed = Now();
        Record(session, SessionState.Armed, "session.armed", by, $"host {session.HostName}");
    }

    /// <summary>The host booted with the key: the key version is now used (the caller marks it).</summary>
    public void HostUp(RecoverySession session, Person by)
    {
        EnsureUsable(session);
        if (session.State is not (SessionState.Revealed or SessionState.Armed))
        {
            Refuse(RefusalKind.Conflict, "invalid-transition",
                $"Session {session.Id} is {SessionNames.Status(session.State)}; a host is seen up only after its key was revealed or armed.");
        }
        session.State = SessionState.HostSeenUp;
        session.HostSeenUp = Now();
        Record(session, SessionState.HostSeenUp, "session.host-seen-up", by, $"host {session.HostName}; key version {session.KeyVersion} marked used");
    }

    /// <summary>Closes a session whose host is up (after the key rotation, or when a person closes it).</summary>
    public void Complete(RecoverySession session, Person by, string? detail = null)
    {
        EnsureUsable(session);
        if (session.State != SessionState.HostSeenUp)
        {
            Refuse(RefusalKind.Conflict, "host-not-seen-up",
                $"Session {session.Id} is {SessionNames.Status(session.State)}: it can be closed once the host is up. To give up, cancel it.");
        }
        session.State = SessionState.Completed;
        session.Closed = Now();
        session.ClosedBy = by.Name;
        Record(session, SessionState.Completed, "session.completed", by, $"host {session.HostName}" + (detail is null ? "" : "; " + detail));
    }

    public void Cancel(RecoverySession session, Person by, string? reason)
    {
        EnsureUsable(session);
        session.State = SessionState.Cancelled;
        session.Closed = Now();
        session.ClosedBy = by.Name;
        session.CancelReason = reason;
        var detail = $"host {session.HostName}" + (reason is null ? "" : "; reason " + reason)
            + (session.Reveals.Count > 0 ? $"; the key was shown {session.Reveals.Count} time(s): rotate it" : "");
        Record(session, SessionState.Cancelled, "session.cancelled", by, detail);
    }

    public bool IsWaived(Person by) =>
        by.Role is { } role && options.ApprovalWaivedForRoles.Any(r => string.Equals(r.ToString(), role, StringComparison.OrdinalIgnoreCase));

    private static void EnsureUsable(RecoverySession session)
    {
        switch (session.State)
        {
            case SessionState.Expired:
                Refuse(RefusalKind.Expired, "session-expired",
                    $"Session {session.Id} expired at {session.Expires.ToString("u", CultureInfo.InvariantCulture)}; open a new session for host {session.HostName}.");
                break;
            case SessionState.Completed or SessionState.Cancelled:
                Refuse(RefusalKind.Conflict, "session-closed", $"Session {session.Id} is {SessionNames.Of(session.State)}.");
                break;
        }
    }

    private void Record(RecoverySession session, SessionState state, string action, Person by, string detail) =>
        session.History.Add(new SessionEvent { Time = Now(), State = state, Action = action, By = by.Name, ClientAddress = by.ClientAddress, Detail = detail });

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void Refuse(RefusalKind kind, string code, string message) =>
        throw new SessionRefusedException(new SessionRefusal(kind, code, message));
}
