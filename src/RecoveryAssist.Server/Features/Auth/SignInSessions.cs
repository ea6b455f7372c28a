using System.Security.Cryptography;
using System.Text;
using LiteDB;
using Microsoft.Extensions.Options;
using RecoveryAssist.Server.Features.Audit;
using RecoveryAssist.Server.Storage;

namespace RecoveryAssist.Server.Features.Auth;

/// <summary>
/// One signed-in browser (or page form). The cookie carries only a random secret whose SHA-256 is
/// <see cref="Hash"/>; everything else stays here, so a session ends for good when it is revoked.
/// </summary>
internal sealed class SignInSessionRecord
{
    public Guid Id { get; set; }

    public string Hash { get; set; } = "";

    public Guid UserId { get; set; }

    public DateTime Created { get; set; }

    public DateTime LastSeen { get; set; }

    public string? ClientAddress { get; set; }

    /// <summary>Sent back in the <c>X-CSRF-Token</c> header on every state change made with the cookie.</summary>
    public string CsrfToken { get; set; } = "";

    public DateTime? Revoked { get; set; }

    public string? RevokedBecause { get; set; }

    public override string ToString() => $"sign-in session {Id}";
}

/// <summary>Server-side sign-in sessions: created at sign-in, checked on every request, revoked by sign-out and account changes.</summary>
internal sealed class SignInSessions
{
    public const string Collection = "signin_sessions";

    /// <summary>LastSeen is written at most this often, so that reads do not each cost a write.</summary>
    private static readonly TimeSpan TouchEvery = TimeSpan.FromMinutes(1);

    private readonly AppDatabase _database;
    private readonly TimeProvider _time;
    private readonly AuthOptions _options;

    public SignInSessions(AppDatabase database, TimeProvider time, IOptions<AuthOptions> options)
    {
        _database = database;
        _time = time;
        _options = options.Value;
        Sessions.EnsureIndex(s => s.Hash, unique: true);
        Sessions.EnsureIndex(s => s.UserId);
    }

    private ILiteCollection<SignInSessionRecord> Sessions => _database.Collection<SignInSessionRecord>(Collection);

    /// <summary>Starts a session; returns it and the secret the cookie carries (shown only now).</summary>
    /// <param name="keepCsrfToken">The CSRF token of the session this one replaces (after a password change), so the page keeps working.</param>
    public (SignInSessionRecord Session, string Secret) Create(Guid userId, string? clientAddress, string? keepCsrfToken = null)
    {
        var secret = AuthSecrets.New();
        var now = Now();
        var session = new SignInSessionRecord
        {
            Id = Guid.NewGuid(),
            Hash = AuthSecrets.Hash(secret),
            UserId = userId,
            Created = now,
            LastSeen = now,
            ClientAddress = clientAddress,
            CsrfToken = keepCsrfToken ?? AuthSecrets.New(),
        };
        _database.Write(() =>
        {
            PruneEnded(now);
            Sessions.Insert(session);
        });
        return (session, secret);
    }

    /// <summary>The live session a cookie secret names, or null when unknown, revoked, idle too long or too old.</summary>
    public SignInSessionRecord? Find(string secret)
    {
        if (secret.Length is 0 or > 128)
            return null;
        var session = Sessions.FindOne(DbQuery.Equal(nameof(SignInSessionRecord.Hash), AuthSecrets.Hash(secret)));
        var now = Now();
        if (session is null || !IsLive(session, now))
            return null;
        if (now - session.LastSeen >= TouchEvery)
        {
            session.LastSeen = now;
            _database.Write(() => Sessions.Update(session));
        }
        return session;
    }

    public void Revoke(Guid sessionId, string because) => _database.Write(() =>
    {
        if (Sessions.FindById(sessionId) is { Revoked: null } session)
        {
            session.Revoked = Now();
            session.RevokedBecause = because;
            Sessions.Update(session);
        }
    });

    /// <summary>Ends every session of a user but <paramref name="keep"/>; joins the caller's transaction. Returns how many ended.</summary>
    public int RevokeAll(Guid userId, string because, Guid? keep = null) => _database.Write(() =>
    {
        var now = Now();
        var ended = 0;
        foreach (var session in Sessions.Find(DbQuery.Equal(nameof(SignInSessionRecord.UserId), userId)).Where(s => s.Revoked is null && s.Id != keep).ToList())
        {
            session.Revoked = now;
            session.RevokedBecause = because;
            Sessions.Update(session);
            ended++;
        }
        return ended;
    });

    /// <summary>Checks a presented CSRF token against the session's, in fixed time.</summary>
    public static bool CsrfMatches(SignInSessionRecord session, string? presented) =>
        presented is { Length: > 0 } && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(session.CsrfToken), Encoding.ASCII.GetBytes(presented));

    private bool IsLive(SignInSessionRecord session, DateTime now) =>
        session.Revoked is null && now - session.LastSeen < _options.SessionIdle && now - session.Created < _options.SessionMax;

    /// <summary>Sessions that ended more than a day ago are of no further use; keeps the collection bounded.</summary>
    private void PruneEnded(DateTime now)
    {
        var horizon = now - _options.SessionMax - TimeSpan.FromDays(1);
        Sessions.DeleteMany(BsonExpression.Create("$.Created < @0", horizon));
    }

    private DateTime Now() => AuditChain.Truncate(_time.GetUtcNow());
}

/// <summary>Bearer secrets (session cookies, API tokens): 256 random bits, stored only as their SHA-256.</summary>
internal static class AuthSecrets
{
    public static string New() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}
