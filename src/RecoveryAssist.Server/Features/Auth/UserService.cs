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
    public static readonly TimeSpan SignInTokenLifetime = TimeSpan.FromHours(12);

    private readonly AppDatabase _database;
    private readonly AuditLog _audit;
    private readonly TimeProvider _time;
    private readonly AppOptions _options;
    private readonly PasswordHasher<UserRecord> _hasher = new();

    public UserService(AppDatabase database, AuditLog audit, TimeProvider time, IOptions<AppOptions> options)
    {
        _database = database;
        _audit = audit;
        _time = time;
        _options = options.Value;
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

    /// <summary>Checks a password, counting failures and locking the account after too many.</summary>
    public UserRecord SignIn(string userName, string password, string? clientAddress)
    {
        // Failures are recorded (count, lockout, audit) and committed before the refusal is thrown.
        var (signedIn, refusal) = _database.Write<(UserRecord?, ProblemException?)>(() =>
        {
            var user = Find(userName ?? "");
            var now = Now();
            if (user is null || user.Disabled)
            {
                // Hash anyway so that an unknown name takes as long as a wrong password.
                _hasher.VerifyHashedPassword(new UserRecord(), DummyHash, password ?? "");
                return (null, Denied(userName, clientAddress, "unknown or disabled user"));
            }
            if (user.LockedUntil is { } lockedUntil && lockedUntil > now)
                return (null, Denied(userName, clientAddress, "account locked", new ProblemException(423, "account-locked", $"The account is locked after repeated failed sign-ins; try again after {lockedUntil:u} or ask an admin to unlock it.")));
            var verdict = _hasher.VerifyHashedPassword(user, user.PasswordHash, password ?? "");
            if (verdict == PasswordVerificationResult.Failed)
            {
                user.FailedSignIns++;
                if (user.FailedSignIns >= _options.LockoutThreshold)
                {
                    user.LockedUntil = now.AddMinutes(_options.LockoutMinutes);
                    user.FailedSignIns = 0;
                }
                Users.Update(user);
                return (null, Denied(userName, clientAddress, "wrong password"));
            }
            if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
                user.PasswordHash = _hasher.HashPassword(user, password!);
            user.FailedSignIns = 0;
            user.LockedUntil = null;
            Users.Update(user);
            _audit.Append(new AuditEntry(user.UserName, "auth.signin", $"user:{user.UserName}", AuditEntry.Success, clientAddress));
            return (user, null);
        });
        return signedIn ?? throw refusal!;
    }

    public void ChangePassword(Guid userId, string currentPassword, string newPassword, Actor actor)
    {
        EnsureStrong(newPassword);
        _database.Write(() =>
        {
            var user = Users.FindById(userId) ?? throw ProblemException.NotFound("The user");
            if (_hasher.VerifyHashedPassword(user, user.PasswordHash, currentPassword ?? "") == PasswordVerificationResult.Failed)
                throw ProblemException.Forbidden("wrong-password", "The current password is wrong.");
            if (currentPassword == newPassword)
                throw ProblemException.BadRequest("weak-password", "newPassword must differ from the current password.");
            user.PasswordHash = _hasher.HashPassword(user, newPassword);
            user.MustChangePassword = false;
            Users.Update(user);
            _audit.Append(new AuditEntry(actor.Name, "user.password-changed", $"user:{user.UserName}", AuditEntry.Success, actor.ClientAddress));
        });
    }

    public void Unlock(string userName, Actor actor) => _database.Write(() =>
    {
        var user = Find(userName) ?? throw ProblemException.NotFound("The user");
        user.LockedUntil = null;
        user.FailedSignIns = 0;
        Users.Update(user);
        _audit.Append(new AuditEntry(actor.Name, "user.unlocked", $"user:{user.UserName}", AuditEntry.Success, actor.ClientAddress));
    });

    /// <summary>Gives a user a new one-time password (shown once, to the admin), to be changed at the next sign-in; unlocks the account.</summary>
    public string ResetPassword(string userName, Actor actor)
    {
        var oneTime = GeneratePassword();
        _database.Write(() =>
        {
            var user = Find(userName) ?? throw ProblemException.NotFound("The user");
            user.PasswordHash = _hasher.HashPassword(user, oneTime);
            user.MustChangePassword = true;
            user.LockedUntil = null;
            user.FailedSignIns = 0;
            Users.Update(user);
            _audit.Append(new AuditEntry(actor.Name, "user.password-reset", $"user:{user.UserName}", AuditEntry.Success, actor.ClientAddress));
        });
        return oneTime;
    }

    /// <summary>Creates a token for a user, narrowed to <paramref name="scopes"/> (all of the role's permissions when null).</summary>
    public (ApiTokenRecord Record, string Token) CreateToken(UserRecord user, string name, IReadOnlyList<Permission>? scopes, TimeSpan? lifetime, Actor actor)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 64)
            throw ProblemException.BadRequest("invalid-token", "name must be 1 to 64 characters.");
        var allowed = Permissions.Of(user.Role);
        var requested = scopes ?? allowed;
        var notAllowed = requested.Except(allowed).Select(Permissions.ScopeName).ToList();
        if (notAllowed.Count > 0)
            throw ProblemException.BadRequest("invalid-scope", $"The role {user.Role} does not grant: {string.Join(", ", notAllowed)}.");
        var token = TokenPrefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        var now = Now();
        var record = new ApiTokenRecord
        {
            Id = Guid.NewGuid(),
            UserId = user.Id,
            Name = name.Trim(),
            Hash = HashToken(token),
            Scopes = requested.Distinct().ToList(),
            Created = now,
            Expires = lifetime is { } l ? now.Add(l) : null,
        };
        _database.Write(() =>
        {
            Tokens.Insert(record);
            _audit.Append(new AuditEntry(actor.Name, "token.created", $"user:{user.UserName}", AuditEntry.Success, actor.ClientAddress, $"token {record.Name} ({record.Id}); scopes {string.Join(" ", record.Scopes.Select(Permissions.ScopeName))}"));
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
        var record = Tokens.FindOne(DbQuery.Equal(nameof(ApiTokenRecord.Hash), HashToken(token)));
        var now = Now();
        if (record is null || record.Revoked is not null || record.Expires is { } e && e <= now)
            return null;
        var user = Users.FindById(record.UserId);
        if (user is null || user.Disabled)
            return null;
        var permissions = Permissions.Of(user.Role).Intersect(record.Scopes);
        return Principal(user, permissions, scheme, record.Id);
    }

    public static ClaimsPrincipal Principal(UserRecord user, IEnumerable<Permission> permissions, string scheme, Guid? tokenId = null)
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

    private static string HashToken(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private DateTime Now() => AuditChain.Truncate(_time.GetUtcNow());

    private static readonly string DummyHash = new PasswordHasher<UserRecord>().HashPassword(new UserRecord(), "not a password of anyone");
}
