using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using LiteDB;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using RecoveryAssist.Server.Features.Audit;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Hosting;
using RecoveryAssist.Server.Storage;

namespace RecoveryAssist.Server.Features.Auth;

/// <summary>Local users, sign-in with lockout, one-time passwords, and API tokens.</summary>
internal sealed class UserService
{
    public const string UsersCollection = "users";
    public const string TokensCollection = "api_tokens";
    public const int MinPasswordLength = 12;
    public const string TokenPrefix = "ra_";

    /// <summary>The problem a sign-in gets when the password is right and the account's second factor code is missing.</summary>
    public const string TotpRequired = "totp-required";
    public const int MaxTokenNameLength = 64;
    public static readonly TimeSpan SignInTokenLifetime = TimeSpan.FromHours(12);

    private readonly AppDatabase _database;
    private readonly AuditLog _audit;
    private readonly TimeProvider _time;
    private readonly SignInThrottle _throttle;
    private readonly SignInSessions _sessions;
    private readonly string _dataDirectory;
    private readonly TotpService _totp;
    private readonly PasswordHasher<UserRecord> _hasher = new();

    public UserService(AppDatabase database, AuditLog audit, TimeProvider time, SignInThrottle throttle, SignInSessions sessions, IOptions<AppOptions> options, TotpService totp)
    {
        _totp = totp;
        _dataDirectory = options.Value.DataDirectory;
        _database = database;
        _audit = audit;
        _time = time;
        _throttle = throttle;
        _sessions = sessions;
        EnsureIndexes(database);
    }

    public static void EnsureIndexes(AppDatabase database)
    {
        database.Collection<UserRecord>(UsersCollection).EnsureIndex(u => u.NameKey, unique: true);
        database.Collection<ApiTokenRecord>(TokensCollection).EnsureIndex(t => t.Hash, unique: true);
    }

    private ILiteCollection<UserRecord> Users => _database.Collection<UserRecord>(UsersCollection);

    private ILiteCollection<ApiTokenRecord> Tokens => _database.Collection<ApiTokenRecord>(TokensCollection);

    public bool AnyUser() => Users.Count() > 0;

    public IReadOnlyList<UserRecord> List() => Users.Query().OrderBy(u => u.NameKey).ToList();

    public UserRecord? Find(string userName) => Users.FindOne(DbQuery.Equal(nameof(UserRecord.NameKey), userName.Trim().ToLowerInvariant()));

    public UserRecord? FindById(Guid id) => Users.FindById(id);

    /// <summary>Creates a user. Without a password one is generated, returned once, and must be changed at first sign-in.</summary>
    public (UserRecord User, string? OneTimePassword) Create(string userName, Role role, string? password, Actor actor)
    {
        if (HostIdentity.DescribeInvalidName(userName) is { } problem)
            throw ProblemException.BadRequest("invalid-user", $"userName {problem}.");
        string? oneTime = null;
        if (password is null)
            password = oneTime = GeneratePassword();
        else
            EnsureStrong(password);
        var now = Now();
        var user = new UserRecord
        {
            Id = Guid.NewGuid(),
            UserName = userName.Trim(),
            NameKey = userName.Trim().ToLowerInvariant(),
            Role = role,
            MustChangePassword = oneTime is not null,
            Created = now,
            CreatedBy = actor.Name,
        };
        user.PasswordHash = _hasher.HashPassword(user, password);
        _database.Write(() =>
        {
            if (Find(userName) is not null)
                throw ProblemException.Conflict("duplicate-user", $"A user named '{user.UserName}' already exists.");
            Users.Insert(user);
            _audit.Append(new AuditEntry(actor.Name, "user.created", $"user:{user.UserName}", AuditEntry.Success, actor.ClientAddress, $"role {role}"));
        });
        return (user, oneTime);
    }

    /// <summary>
    /// Checks a password. Throttled per source address and, after repeated failures, per account and address
    /// with exponential back-off (429); never locks an account, so nobody can lock another person out. An
    /// unknown name, a disabled account and a wrong password get the same answer after the same work.
    /// An account with a second factor also needs <paramref name="totpCode"/>: a wrong or used code gets the
    /// wrong password's answer; a missing one (the password being right) a 401 that asks for it.
    /// </summary>
    public UserRecord SignIn(string userName, string password, string? clientAddress, string? totpCode = null)
    {
        var nameKey = NameKey(userName);
        var address = clientAddress ?? "?";
        if (_throttle.Admit(nameKey, address) is { } wait)
        {
            // Not audited one by one: a flood would otherwise write a record per request.
            var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
            throw new ProblemException(429, "sign-in-throttled", $"Too many sign-in attempts from this address; try again in {seconds} s.", new RetryAfter(seconds));
        }
        var (signedIn, refusal) = _database.Write<(UserRecord?, ProblemException?)>(() =>
        {
            var user = Find(userName ?? "");
            if (user is null || user.Disabled)
            {
                // Hash anyway so that an unknown name takes as long as a wrong password.
                _hasher.VerifyHashedPassword(new UserRecord(), DummyHash, password ?? "");
                return (null, Denied(userName, clientAddress, user is null ? "unknown user" : "account locked"));
            }
            var verdict = _hasher.VerifyHashedPassword(user, user.PasswordHash, password ?? "");
            if (verdict == PasswordVerificationResult.Failed)
                return (null, Denied(userName, clientAddress, "wrong password"));
            if (user.TotpEnabled)
            {
                if (string.IsNullOrWhiteSpace(totpCode))
                    return (null, Denied(userName, clientAddress, "second factor code missing", new ProblemException(401, TotpRequired, "This account needs the code of its authenticator app (totpCode).")));
                if (_totp.Check(user, totpCode) is not { } step)
                    return (null, Denied(userName, clientAddress, "wrong or used second factor code"));
                user.TotpLastStep = step;
                Users.Update(user);
            }
            if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
            {
                user.PasswordHash = _hasher.HashPassword(user, password!);
                Users.Update(user);
            }
            _audit.Append(new AuditEntry(user.UserName, "auth.signin", $"user:{user.UserName}", AuditEntry.Success, clientAddress));
            return (user, null);
        });
        if (signedIn is null)
        {
            _throttle.Failed(nameKey, address);
            throw refusal!;
        }
        _throttle.Succeeded(nameKey, address);
        return signedIn;
    }

    public void ChangePassword(Guid userId, string currentPassword, string newPassword, Actor actor)
    {
        EnsureStrong(newPassword);
        var changed = _database.Write(() =>
        {
            var user = Users.FindById(userId) ?? throw ProblemException.NotFound("The user");
            if (_hasher.VerifyHashedPassword(user, user.PasswordHash, currentPassword ?? "") == PasswordVerificationResult.Failed)
                throw ProblemException.Forbidden("wrong-password", "The current password is wrong.");
            if (currentPassword == newPassword)
                throw ProblemException.BadRequest("weak-password", "newPassword must differ from the current password.");
            user.PasswordHash = _hasher.HashPassword(user, newPassword);
            user.MustChangePassword = false;
            Users.Update(user);
            var ended = EndSessions(user, "password changed");
            _audit.Append(new AuditEntry(actor.Name, "user.password-changed", $"user:{user.UserName}", AuditEntry.Success, actor.ClientAddress, $"{ended} session(s) ended"));
            return user;
        });
        Bootstrap.ForgetOneTimePassword(_dataDirectory, changed);
    }

    /// <summary>Locks an account: its sign-in sessions and tokens stop working at once, and it cannot sign in until unlocked.</summary>
    public void Lock(string userName, Actor actor) => _database.Write(() =>
    {
        var user = Find(userName) ?? throw ProblemException.NotFound("The user");
        EnsureAnotherAdmin(user);
        if (string.Equals(user.UserName, actor.Name, StringComparison.OrdinalIgnoreCase))
            throw ProblemException.Conflict("lock-self", "You cannot lock your own account.");
        user.Disabled = true;
        Users.Update(user);
        var ended = EndSessions(user, "account locked");
        _audit.Append(new AuditEntry(actor.Name, "user.locked", $"user:{user.UserName}", AuditEntry.Success, actor.ClientAddress, $"{ended} session(s) ended"));
    });

    /// <summary>Unlocks an account and forgets its sign-in back-off.</summary>
    public void Unlock(string userName, Actor actor)
    {
        _database.Write(() =>
        {
            var user = Find(userName) ?? throw ProblemException.NotFound("The user");
            user.Disabled = false;
            Users.Update(user);
            _audit.Append(new AuditEntry(actor.Name, "user.unlocked", $"user:{user.UserName}", AuditEntry.Success, actor.ClientAddress));
        });
        _throttle.Clear(NameKey(userName));
    }

    /// <summary>Gives a user another role; their sessions end, and who did it is kept for the separation-of-duties check.</summary>
    public UserRecord ChangeRole(string userName, Role role, Actor actor) => _database.Write(() =>
    {
        var user = Find(userName) ?? throw ProblemException.NotFound("The user");
        if (role != Role.Admin)
            EnsureAnotherAdmin(user);
        if (string.Equals(user.UserName, actor.Name, StringComparison.OrdinalIgnoreCase))
            throw ProblemException.Conflict("role-self", "You cannot change your own role: another admin must.");
        var before = user.Role;
        user.Role = role;
        user.RoleChanged = Now();
        user.RoleChangedBy = actor.Name;
        Users.Update(user);
        var ended = EndSessions(user, "role changed");
        _audit.Append(new AuditEntry(actor.Name, "user.role-changed", $"user:{user.UserName}", AuditEntry.Success, actor.ClientAddress, $"role {before} -> {role}; {ended} session(s) ended"));
        return user;
    });

    /// <summary>Replaces a password with a one-time one (returned once, changed at next sign-in); the user's sessions end.</summary>
    public (UserRecord User, string OneTimePassword) ResetPassword(string userName, Actor actor)
    {
        var password = GeneratePassword();
        var user = _database.Write(() =>
        {
            var user = Find(userName) ?? throw ProblemException.NotFound("The user");
            user.PasswordHash = _hasher.HashPassword(user, password);
            user.MustChangePassword = true;
            Users.Update(user);
            var ended = EndSessions(user, "password reset");
            _audit.Append(new AuditEntry(actor.Name, "user.password-reset", $"user:{user.UserName}", AuditEntry.Success, actor.ClientAddress, $"{ended} session(s) ended"));
            return user;
        });
        _throttle.Clear(NameKey(userName));
        return (user, password);
    }

    /// <summary>The appliance always keeps an enabled admin, who can manage users.</summary>
    private void EnsureAnotherAdmin(UserRecord user)
    {
        if (user.Role == Role.Admin && !List().Any(u => u.Role == Role.Admin && !u.Disabled && u.Id != user.Id))
            throw ProblemException.Conflict("last-admin", $"'{user.UserName}' is the last enabled admin: make another admin first.");
    }

    /// <summary>An admin removes a user's second factor (a lost phone): the user's sessions end.</summary>
    public void ResetTotp(string userName, Actor actor) => _totp.Reset(userName, actor, user => EndSessions(user, "second factor reset"));

    /// <summary>Ends a user's sign-in sessions and sign-in tokens (the CLI's login); API tokens follow the account's state instead.</summary>
    private int EndSessions(UserRecord user, string because)
    {
        var ended = _sessions.RevokeAll(user.Id, because);
        var now = Now();
        foreach (var token in TokensOf(user.Id).Where(t => t.Interactive && t.Revoked is null))
        {
            token.Revoked = now;
            Tokens.Update(token);
            ended++;
        }
        return ended;
    }

    /// <summary>
    /// Creates a token for a user, narrowed to <paramref name="scopes"/> (all of the role's permissions a token
    /// may carry when null). Only the user themselves may (the system too, for first-run and tests): nobody
    /// holds a credential of someone else. An API token never carries <c>keys:reveal</c>; a reveal is a
    /// person's act, so only an <paramref name="interactive"/> sign-in token (password just checked) may.
    /// </summary>
    public (ApiTokenRecord Record, string Token) CreateToken(UserRecord user, string name, IReadOnlyList<Permission>? scopes, TimeSpan? lifetime, Actor actor, bool interactive = false)
    {
        if (actor != Actor.System && !string.Equals(actor.Name, user.UserName, StringComparison.OrdinalIgnoreCase))
            throw ProblemException.Forbidden("token-for-other", "A token is created by its own user only (POST /api/tokens, signed in as that user).");
        if (TextField.Describe(name, MaxTokenNameLength) is { } problem)
            throw ProblemException.BadRequest("invalid-token", $"name: {problem}.");
        if (!interactive && scopes is not null && scopes.Contains(Permission.KeysReveal))
            throw ProblemException.BadRequest("invalid-scope", "keys:reveal is never a token scope: a key is revealed by a person signed in (web page, or recoveryassist login).");
        var allowed = Allowed(user.Role, interactive);
        var requested = scopes ?? allowed;
        var notAllowed = requested.Except(allowed).Select(Permissions.ScopeName).ToList();
        if (notAllowed.Count > 0)
            throw ProblemException.BadRequest("invalid-scope", $"The role {user.Role} does not grant: {string.Join(", ", notAllowed)}.");
        var token = TokenPrefix + AuthSecrets.New();
        var now = Now();
        var record = new ApiTokenRecord
        {
            Id = Guid.NewGuid(),
            UserId = user.Id,
            Name = name.Trim(),
            Hash = AuthSecrets.Hash(token),
            Scopes = requested.Distinct().ToList(),
            Created = now,
            Expires = lifetime is { } l ? now.Add(l) : null,
            Interactive = interactive,
        };
        _database.Write(() =>
        {
            Tokens.Insert(record);
            _audit.Append(new AuditEntry(actor.Name, "token.created", $"user:{user.UserName}", AuditEntry.Success, actor.ClientAddress, $"{(interactive ? "sign-in token" : "API token")} {record.Name} ({record.Id}); scopes {string.Join(" ", record.Scopes.Select(Permissions.ScopeName))}"));
        });
        return (record, token);
    }

    public void RevokeToken(Guid tokenId, Actor actor) => _database.Write(() =>
    {
        var record = Tokens.FindById(tokenId) ?? throw ProblemException.NotFound("The token");
        record.Revoked ??= Now();
        Tokens.Update(record);
        _audit.Append(new AuditEntry(actor.Name, "token.revoked", $"token:{record.Id}", AuditEntry.Success, actor.ClientAddress));
    });

    public IReadOnlyList<ApiTokenRecord> TokensOf(Guid userId) => Tokens.Find(DbQuery.Equal(nameof(ApiTokenRecord.UserId), userId)).ToList();

    /// <summary>The principal for a presented token, or null when it is unknown, revoked, expired or its user cannot sign in.</summary>
    public ClaimsPrincipal? AuthenticateToken(string token, string scheme)
    {
        if (!token.StartsWith(TokenPrefix, StringComparison.Ordinal) || token.Length > 128)
            return null;
        var record = Tokens.FindOne(DbQuery.Equal(nameof(ApiTokenRecord.Hash), AuthSecrets.Hash(token)));
        var now = Now();
        if (record is null || record.Revoked is not null || record.Expires is { } e && e <= now)
            return null;
        var user = Users.FindById(record.UserId);
        if (user is null || user.Disabled)
            return null;
        // The role's permissions now, narrowed by the scopes: a role change or a stored keys:reveal scope grants nothing more.
        var permissions = Allowed(user.Role, record.Interactive).Intersect(record.Scopes);
        return Principal(user, permissions, scheme, record.Id);
    }

    public ClaimsPrincipal Principal(UserRecord user, IEnumerable<Permission> permissions, string scheme, Guid? tokenId = null)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, user.Id.ToString()),
            new(ClaimTypes.Name, user.UserName),
            new(ClaimTypes.Role, user.Role.ToString()),
        };
        claims.AddRange(permissions.Select(p => new Claim(Permissions.ClaimType, Permissions.ScopeName(p))));
        if (user.MustChangePassword)
            claims.Add(new Claim(Permissions.MustChangePasswordClaim, "true"));
        if (_totp.MustEnrol(user))
            claims.Add(new Claim(Permissions.TotpEnrolmentClaim, "true"));
        if (tokenId is { } id)
            claims.Add(new Claim(Permissions.TokenIdClaim, id.ToString()));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme));
    }

    public static string GeneratePassword()
    {
        // 20 characters from an alphabet without look-alikes: easy to type once from a console.
        const string alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        return RandomNumberGenerator.GetString(alphabet, 20);
    }

    private static void EnsureStrong(string password)
    {
        if (password is null || password.Length < MinPasswordLength)
            throw ProblemException.BadRequest("weak-password", $"A password has at least {MinPasswordLength} characters.");
    }

    private ProblemException Denied(string? userName, string? clientAddress, string reason, ProblemException? problem = null)
    {
        var name = string.IsNullOrWhiteSpace(userName) ? "?" : userName.Trim();
        if (name.Length > 64)
            name = name[..64];
        _audit.Append(new AuditEntry(name, "auth.signin", $"user:{name}", AuditEntry.Denied, clientAddress, reason));
        return problem ?? new ProblemException(401, "invalid-credentials", "The user name or password is wrong.");
    }

    private static IReadOnlyList<Permission> Allowed(Role role, bool interactive) =>
        interactive ? Permissions.Of(role) : Permissions.Of(role).Where(p => p != Permission.KeysReveal).ToList();

    /// <summary>How sign-in keys a name for back-off: the stored form, bounded so made-up names cannot grow memory much.</summary>
    private static string NameKey(string? userName)
    {
        var key = (userName ?? "").Trim().ToLowerInvariant();
        return key.Length > 64 ? key[..64] : key;
    }

    private DateTime Now() => AuditChain.Truncate(_time.GetUtcNow());

    private static readonly string DummyHash = new PasswordHasher<UserRecord>().HashPassword(new UserRecord(), "not a password of anyone");
}
