using System.Globalization;
using Microsoft.Extensions.Options;
using RecoveryAssist.Core.Keys;
using RecoveryAssist.Server.Features.Audit;
using RecoveryAssist.Server.Features.Auth;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Hosting;
using RecoveryAssist.Server.Storage;

namespace RecoveryAssist.Server.Features.Recovery;

/// <summary>The key as one reveal shows it, with the host to make sure of the machine. Holds key material.</summary>
/// <param name="Key">The key the host's next boot needs: the saved one.</param>
/// <param name="Candidates">Running versions whose save is not confirmed, each with its label: to try if the saved key is refused.</param>
internal sealed record RevealedKey(RecoverySession Session, HostRecord Host, RecoveryKey Key, IReadOnlyList<string> Warnings, IReadOnlyList<CandidateKey> Candidates)
{
    public override string ToString() => $"RevealedKey {{ Session = {Session.Id}, Host = {Host.Name}, Key = {RecoveryKey.Redacted}, Candidates = {Candidates.Count} }}";
}

/// <summary>A second candidate of a reveal: a rotated version running on the host whose save is not confirmed. Holds key material.</summary>
internal sealed record CandidateKey(int KeyVersion, string RecoveryId, RecoveryKey Key, string Label)
{
    /// <summary>"rotated at 14:02 UTC, save not confirmed: if the saved key is refused, try this one".</summary>
    public static string LabelFor(KeyVersionRecord version) =>
        (version.Source is KeySource.Rotated or KeySource.Resealed ? "rotated" : "changed on the host")
        + string.Create(CultureInfo.InvariantCulture, $" at {version.FirstSeen:HH:mm} UTC ({version.FirstSeen:yyyy-MM-dd}), version {version.Version}, save not confirmed: if the saved key is refused, try this one");

    public override string ToString() => $"CandidateKey {{ Version = {KeyVersion}, Key = {RecoveryKey.Redacted} }}";
}

/// <summary>
/// Recovery sessions at the edge: loads a session, lets <see cref="SessionMachine"/> decide, and
/// persists the session with one audit record per transition in the same transaction. A refusal is
/// audited and committed first, then thrown as a <see cref="ProblemException"/>. A key is opened
/// only after the audit record of its read is committed.
/// </summary>
internal sealed partial class RecoverySessionService
{
    public const int MaxTicketLength = 128;
    public const int MaxCancelReasonLength = 512;

    private readonly AppDatabase _database;
    private readonly SessionStore _store;
    private readonly EscrowedKeys _keys;
    private readonly AuditLog _audit;
    private readonly SessionMachine _machine;
    private readonly AccountProvenance _provenance;
    private readonly ILogger<RecoverySessionService> _logger;

    public RecoverySessionService(
        AppDatabase database, SessionStore store, EscrowedKeys keys, AuditLog audit, TimeProvider time,
        IOptions<RecoveryOptions> options, AccountProvenance provenance, ILogger<RecoverySessionService> logger)
    {
        _provenance = provenance;
        _database = database;
        _store = store;
        _keys = keys;
        _audit = audit;
        _machine = new SessionMachine(time, options.Value);
        _logger = logger;
    }

    private HostStore Hosts => _keys.Hosts;

    public static string Target(Guid sessionId) => $"session:{sessionId}";

    public RecoverySession Open(string? hostName, Guid? hostId, string? reasonText, string? ticketText, string? pathText, Person by)
    {
        var errors = new List<string>();
        var reason = SessionNames.ParseReason(reasonText);
        if (reason is null)
            errors.Add($"reason: expected one of {SessionNames.ReasonList}");
        var ticket = ticketText?.Trim() ?? "";
        if (TextField.Describe(ticket, MaxTicketLength) is { } ticketProblem)
            errors.Add($"ticket: a ticket reference is {ticketProblem}");
        var path = SessionNames.ParsePath(pathText);
        if (path is null)
            errors.Add("path: expected console or network");
        if (hostName is null && hostId is null)
            errors.Add("host: give the host's name (host) or id (hostId)");
        var newId = Guid.NewGuid();
        if (errors.Count > 0)
            return Refused<RecoverySession>(newId, by, "session.open", new SessionRefusal(RefusalKind.BadRequest, "invalid-session", string.Join("; ", errors) + "."));

        SessionRefusal? refusal = null;
        var opened = _database.Write(() =>
        {
            var host = hostId is { } id ? Hosts.Find(id) : Hosts.FindByName(hostName!);
            if (host is null)
                return AuditDenial(newId, by, "session.open", refusal = new SessionRefusal(RefusalKind.NotFound, "not-found", "The host was not found."));
            var current = _keys.Current(host.Id, out _);
            if (current is null)
            {
                return AuditDenial(newId, by, "session.open", refusal = new SessionRefusal(RefusalKind.Conflict, "no-escrowed-key",
                    $"Host {host.Name} has no current escrowed key: there is nothing to recover with."));
            }
            RecoverySession? existing = null;
            foreach (var open in _store.OpenForHost(host.Id))
            {
                var before = open.History.Count;
                if (_machine.ExpireIfDue(open))
                    Persist(open, before);
                else
                    existing = open;
            }
            try
            {
                var session = _machine.Open(newId, host.Id, host.Name, reason!.Value, ticket, path!.Value, current.Version, current.RecoveryId, by, existing);
                _store.Insert(session);
                AuditEvents(session, 0);
                return session;
            }
            catch (SessionRefusedException e)
            {
                return AuditDenial(newId, by, "session.open", refusal = e.Refusal);
            }
        });
        ThrowIf(refusal, newId);
        LogOpened(_logger, opened!.Id, opened.HostName, SessionNames.Of(opened.Reason), SessionNames.Of(opened.State));
        return opened;
    }

    /// <summary>The session, moved to expired first when its time is up.</summary>
    public RecoverySession Get(Guid id)
    {
        var session = _store.Find(id) ?? throw ProblemException.NotFound("The session");
        if (session.IsOpen && session.State != SessionState.HostSeenUp && _machine.Now() >= session.Expires)
            return Act(id, Person.System, "session.expire", _ => { });
        return session;
    }

    public IReadOnlyList<RecoverySession> List(Guid? hostId, bool openOnly, int skip, int take)
    {
        ExpireDue();
        return _store.List(hostId, openOnly, skip, take);
    }

    public RecoverySession Approve(Guid id, Person by) => Act(id, by, "session.approve", s => _machine.Approve(s, by));

    public RecoverySession Cancel(Guid id, Person by, string? reason)
    {
        reason = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim();
        if (TextField.Describe(reason, MaxCancelReasonLength, required: false) is not null)
            return Refused<RecoverySession>(id, by, "session.cancel", new SessionRefusal(RefusalKind.BadRequest, "invalid-reason", $"reason: at most {MaxCancelReasonLength} printable characters."));
        return Act(id, by, "session.cancel", s => _machine.Cancel(s, by, reason));
    }

    /// <summary>Closes a session whose host is up (the normal end, by a person or after the rotation).</summary>
    public RecoverySession Close(Guid id, Person by, string? detail = null) => Act(id, by, "session.close", s => _machine.Complete(s, by, detail));

    /// <summary>Arms a network-path session. For the network-boot feature.</summary>
    public RecoverySession Arm(Guid id, Person by) => Act(id, by, "session.arm", s => _machine.Arm(s, by));

    /// <summary>A person reports that the host booted: the same hand-off as <see cref="HostSeenUp"/>, for one session.</summary>
    public RecoverySession ReportHostUp(Guid id, Person by) => Act(id, by, "session.host-up", s =>
    {
        _machine.HostUp(s, by);
        MarkKeyUsed(s, by);
    });

    /// <summary>
    /// The hand-off from host operations: the host was seen up. The revealed (or armed) session moves to
    /// host-seen-up and its key version is marked used, in one transaction. A key shown by a session that
    /// has since expired is marked used all the same. Returns the session, or null when the host has no
    /// session whose key was revealed or armed.
    /// </summary>
    public RecoverySession? HostSeenUp(Guid hostId, Person by)
    {
        var result = _database.Write(() =>
        {
            var latest = _store.OpenForHost(hostId).FirstOrDefault() ?? _store.LatestForHost(hostId);
            if (latest is null)
                return null;
            var before = latest.History.Count;
            _machine.ExpireIfDue(latest);
            if (latest.State is SessionState.Revealed or SessionState.Armed)
            {
                _machine.HostUp(latest, by);
                Persist(latest, before);
                MarkKeyUsed(latest, by);
                return latest;
            }
            Persist(latest, before);
            if (latest.State == SessionState.Expired && (latest.Reveals.Count > 0 || latest.Armed is not null))
            {
                MarkKeyUsed(latest, by);
                return latest;
            }
            return null;
        });
        if (result is not null)
            LogHostSeenUp(_logger, result.Id, result.HostName, result.KeyVersion);
        return result;
    }

    /// <summary>Reveals the key: audited (and committed) first, rate-limited, only for an approved session.</summary>
    /// <param name="form">json, qr-png, qr-svg or console-page.</param>
    /// <param name="confirmHost">The host the caller says they are at (name, serial or id); refused when it is another host.</param>
    public RevealedKey Reveal(Guid id, Person by, string form, string? confirmHost)
    {
        HostRecord? host = null;
        IReadOnlyList<KeyVersionRecord> unsaved = [];
        var session = Act(id, by, "session.reveal", s =>
        {
            host = Hosts.Find(s.HostId) ?? throw new SessionRefusedException(new SessionRefusal(RefusalKind.NotFound, "not-found", "The session's host no longer exists."));
            EnsureSameHost(s, host, confirmHost);
            EnsureIndependent(s, by);
            _machine.EnsureKeyReadable(s);
            EnsureKeyVersionCurrent(s);
            _machine.Reveal(s, by, form);
            // A rotated key whose save is not confirmed may be the one the host needs after all: offered, and audited as a read.
            unsaved = _keys.Unsaved(s.HostId);
            foreach (var candidate in unsaved)
            {
                _audit.Append(new AuditEntry(by.Name, "session.revealed-candidate", Target(s.Id), AuditEntry.Success, by.ClientAddress,
                    string.Create(CultureInfo.InvariantCulture, $"version {candidate.Version} (Recovery ID {candidate.RecoveryId}, running, save not confirmed) shown as a second candidate beside saved version {s.KeyVersion}; form {form}")));
            }
        });
        var version = _keys.Version(session.HostId, session.KeyVersion)!;
        var key = _keys.Open(version);
        var candidates = unsaved.Select(v => new CandidateKey(v.Version, v.RecoveryId, _keys.Open(v), CandidateKey.LabelFor(v))).ToList();
        var warnings = new List<string>();
        if (!key.PassesGroupCheck)
            warnings.Add("The escrowed key fails the group check in " + string.Join(", ", key.Warnings.Select(w => w.ToString())) + "; it was accepted under the Warn setting.");
        if (_keys.Current(session.HostId, out var count) is not null && count > 1)
            warnings.Add(string.Create(CultureInfo.InvariantCulture, $"The host listed {count} keys; this is the newest (version {session.KeyVersion})."));
        if (candidates.Count > 0)
        {
            warnings.Add(string.Create(CultureInfo.InvariantCulture,
                $"The host's key was changed (version {candidates[0].KeyVersion}) and the save of the change is not confirmed. This is the saved key (version {session.KeyVersion}), the one the next boot needs; if the host refuses it, try the second candidate."));
        }
        LogRevealed(_logger, session.Id, session.HostName, form, session.Reveals.Count);
        return new RevealedKey(session, host!, key, warnings, candidates);
    }

    /// <summary>Compares typed text with the key, group by group; audited and rate-limited; never returns digits.</summary>
    public EntryCheckResult CheckEntry(Guid id, Person by, string? typed)
    {
        if (typed is { Length: > EntryCheck.MaxInputLength })
            return Refused<EntryCheckResult>(id, by, "session.entry-check", new SessionRefusal(RefusalKind.BadRequest, "invalid-entry", $"typed: at most {EntryCheck.MaxInputLength} characters."));
        EntryCheckResult? result = null;
        Act(id, by, "session.entry-check", s =>
        {
            EnsureIndependent(s, by);
            _machine.EnsureKeyReadable(s);
            EnsureKeyVersionCurrent(s);
            var version = _keys.Version(s.HostId, s.KeyVersion)!;
            var unsaved = _keys.Unsaved(s.HostId);
            result = EntryCheck.Compare(_keys.Open(version), typed);
            if (unsaved.Count > 0)
                result = result with { MatchedKey = string.Create(CultureInfo.InvariantCulture, $"the saved key, version {version.Version}") };
            // With a second candidate on offer, say which one was typed; the groups shown stay those of the saved key.
            foreach (var candidate in unsaved.Where(_ => !result.Matches))
            {
                var other = EntryCheck.Compare(_keys.Open(candidate), typed);
                if (other.Matches)
                    result = other with { MatchedKey = string.Create(CultureInfo.InvariantCulture, $"the second candidate, version {candidate.Version} (rotated, save not confirmed)") };
            }
            _machine.CheckEntry(s, by, result.Summary());
        });
        return result!;
    }

    /// <summary>Moves every open session past its expiry to expired; returns how many. Called by the sweeper and by lists.</summary>
    public int ExpireDue()
    {
        var expired = _database.Write(() =>
        {
            var moved = new List<RecoverySession>();
            foreach (var session in _store.Open())
            {
                var before = session.History.Count;
                if (_machine.ExpireIfDue(session))
                {
                    Persist(session, before);
                    moved.Add(session);
                }
            }
            return moved;
        });
        foreach (var session in expired)
            LogExpired(_logger, session.Id, session.HostName);
        return expired.Count;
    }

    /// <summary>The revealer's account must not be the work of the session's requester or approver (see <see cref="AccountProvenance"/>).</summary>
    private void EnsureIndependent(RecoverySession session, Person by)
    {
        if (_provenance.WhyNotIndependent(by.Name, [session.RequestedBy, session.ApprovedBy], session.Opened) is { } why)
            throw new SessionRefusedException(new SessionRefusal(RefusalKind.Forbidden, "separation-of-duties", why));
    }

    /// <summary>Audits and throws a refusal that happened before any session was involved (a missing permission, bad input).</summary>
    public void Deny(Guid sessionId, Person by, string action, SessionRefusal refusal) => Refused<bool>(sessionId, by, action, refusal);


    private T Refused<T>(Guid sessionId, Person by, string action, SessionRefusal refusal)
    {
        _database.Write(() => AuditDenial(sessionId, by, action, refusal));
        ThrowIf(refusal, sessionId);
        return default!;
    }

    /// <summary>
    /// Runs one action on a session: expiry first (persisted and audited), then the action. A refusal is
    /// audited in the same transaction as any expiry, committed, and thrown after the commit.
    /// </summary>
    private RecoverySession Act(Guid id, Person by, string action, Action<RecoverySession> work)
    {
        SessionRefusal? refusal = null;
        var session = _database.Write(() =>
        {
            var session = _store.Find(id);
            if (session is null)
                return AuditDenial(id, by, action, refusal = new SessionRefusal(RefusalKind.NotFound, "not-found", "The session was not found."));
            var before = session.History.Count;
            var expired = _machine.ExpireIfDue(session);
            try
            {
                work(session);
            }
            catch (SessionRefusedException e)
            {
                refusal = e.Refusal;
            }
            Persist(session, before);
            if (expired)
                LogExpired(_logger, session.Id, session.HostName);
            if (refusal is not null)
                AuditDenial(id, by, action, refusal);
            return session;
        });
        ThrowIf(refusal, id);
        return session!;
    }

    private void Persist(RecoverySession session, int historyBefore)
    {
        if (session.History.Count == historyBefore)
            return;
        _store.Update(session);
        AuditEvents(session, historyBefore);
    }

    private void AuditEvents(RecoverySession session, int from)
    {
        foreach (var e in session.History.Skip(from))
            _audit.Append(new AuditEntry(e.By, e.Action, Target(session.Id), AuditEntry.Success, e.ClientAddress, e.Detail));
    }

    private RecoverySession? AuditDenial(Guid sessionId, Person by, string action, SessionRefusal refusal)
    {
        _audit.Append(new AuditEntry(by.Name, action, Target(sessionId), AuditEntry.Denied, by.ClientAddress, $"{refusal.Code}: {refusal.Message}"));
        return null;
    }

    private void ThrowIf(SessionRefusal? refusal, Guid sessionId)
    {
        if (refusal is null)
            return;
        LogRefused(_logger, sessionId, refusal.Code);
        throw RecoveryProblems.From(refusal);
    }

    /// <summary>
    /// Marks the revealed version used when it was the only key on offer. With a second candidate the host may have
    /// booted with either: the post-recovery job marks the one the host lists once it is up, and no other.
    /// </summary>
    private void MarkKeyUsed(RecoverySession session, Person by)
    {
        var version = _keys.Version(session.HostId, session.KeyVersion);
        var host = Hosts.Find(session.HostId);
        if (version is null || host is null || _keys.Unsaved(session.HostId).Count > 0)
            return;
        _keys.MarkUsed(host, version, by.Name, by.ClientAddress, string.Create(CultureInfo.InvariantCulture, $"revealed by session {session.Id}, the host came up; awaiting rotation"), _machine.Now());
    }

    private static void EnsureSameHost(RecoverySession session, HostRecord host, string? confirmHost)
    {
        if (string.IsNullOrWhiteSpace(confirmHost))
            return;
        var given = confirmHost.Trim();
        var same = HostIdentity.NameKey(given) == host.NameKey
            || (Guid.TryParse(given, out var id) && id == host.Id)
            || (host.Serial is not null && HostIdentity.NormalizeSerial(given) == host.Serial);
        if (!same)
        {
            throw new SessionRefusedException(new SessionRefusal(RefusalKind.Forbidden, "session-host-mismatch",
                $"Session {session.Id} is for host {host.Name}, not for the host you named: check which machine you are at."));
        }
    }

    private void EnsureKeyVersionCurrent(RecoverySession session)
    {
        // The session's version must still be the saved one (the key the next boot needs).
        var version = _keys.Current(session.HostId, out _);
        if (version is null || version.Version != session.KeyVersion)
        {
            throw new SessionRefusedException(new SessionRefusal(RefusalKind.Conflict, "key-changed",
                $"Host {session.HostName}'s key changed since the session was opened (version {session.KeyVersion} is no longer the saved key the next boot needs): cancel this session and open a new one."));
        }
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Recovery session {SessionId} opened for host {Host} (reason {Reason}); state {State}")]
    private static partial void LogOpened(ILogger logger, Guid sessionId, string host, string reason, string state);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Recovery key of host {Host} revealed through session {SessionId} as {Form} (reveal {Count})")]
    private static partial void LogRevealed(ILogger logger, Guid sessionId, string host, string form, int count);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "Recovery session {SessionId} refused an action: {Code}")]
    private static partial void LogRefused(ILogger logger, Guid sessionId, string code);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Information, Message = "Recovery session {SessionId} for host {Host} expired")]
    private static partial void LogExpired(ILogger logger, Guid sessionId, string host);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Information, Message = "Host {Host} seen up; session {SessionId}; key version {Version} marked used")]
    private static partial void LogHostSeenUp(ILogger logger, Guid sessionId, string host, int version);
}

/// <summary>The one place where session refusals become HTTP problems.</summary>
internal static class RecoveryProblems
{
    public static ProblemException From(SessionRefusal refusal) => new(refusal.Kind switch
    {
        RefusalKind.BadRequest => 400,
        RefusalKind.Forbidden => 403,
        RefusalKind.NotFound => 404,
        RefusalKind.Conflict => 409,
        RefusalKind.Expired => 410,
        RefusalKind.RateLimited => 429,
        _ => 500,
    }, refusal.Code, refusal.Message);
}
