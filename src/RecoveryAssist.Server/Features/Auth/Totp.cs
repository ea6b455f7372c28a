using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using LiteDB;
using Microsoft.Extensions.Options;
using OtpNet;
using RecoveryAssist.Server.Features.Audit;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Features.Secrets;
using RecoveryAssist.Server.Hosting;
using RecoveryAssist.Server.Storage;

namespace RecoveryAssist.Server.Features.Auth;

/// <summary>The pure part of TOTP (RFC 6238: SHA-1, 6 digits, 30 s steps, the authenticator apps' default).</summary>
internal static class TotpCodes
{
    public const string Issuer = "RecoveryAssist";
    public const int SecretBytes = 20;

    /// <summary>A new random secret, base32 as authenticator apps take it.</summary>
    public static byte[] NewSecret() => KeyGeneration.GenerateRandomKey(SecretBytes);

    public static string Base32(byte[] secret) => Base32Encoding.ToString(secret);

    /// <summary>The otpauth:// URI an authenticator app scans or takes pasted.</summary>
    public static string Uri(byte[] secret, string userName) => new OtpUri(OtpType.Totp, Base32(secret), userName, Issuer).ToString();

    /// <summary>
    /// The time step <paramref name="code"/> belongs to (one step either side of <paramref name="now"/>, for clock
    /// drift), or null when it is wrong or its step is not after <paramref name="lastStep"/>: a code is good once.
    /// </summary>
    public static long? Verify(byte[] secret, string? code, DateTimeOffset now, long lastStep)
    {
        code = code?.Replace(" ", "", StringComparison.Ordinal);
        if (code is not { Length: 6 } || !code.All(char.IsAsciiDigit))
            return null;
        var totp = new Totp(secret);
        return totp.VerifyTotp(now.UtcDateTime, code, out var step, VerificationWindow.RfcSpecifiedNetworkDelay) && step > lastStep ? step : null;
    }
}

/// <summary>What enrolment hands out once: the secret (base32) and the same as an otpauth:// URI.</summary>
internal sealed record TotpEnrolment(string Secret, string Uri)
{
    public override string ToString() => "TOTP enrolment (secret withheld)";
}

/// <summary>
/// A person's TOTP second factor: enrol (a new secret, sealed under the KEK bound to the user), confirm with
/// one good code, disable with a current code, or an admin's reset. Every step is audited with its actor.
/// </summary>
internal sealed class TotpService(AppDatabase database, AuditLog audit, KeySealer sealer, TimeProvider time, IOptions<AuthOptions> options)
{
    private ILiteCollection<UserRecord> Users => database.Collection<UserRecord>(UserService.UsersCollection);

    /// <summary>
    /// With <c>RequireTotp</c> on, someone whose role approves sessions or reveals keys and who has no second
    /// factor yet may only enrol (and sign out).
    /// </summary>
    public bool MustEnrol(UserRecord user) =>
        options.Value.RequireTotp && !user.TotpEnabled
        && Permissions.Of(user.Role).Any(p => p is Permission.SessionsApprove or Permission.KeysReveal);

    /// <summary>A new (not yet active) secret for the caller; an active factor must be disabled first.</summary>
    public TotpEnrolment Enrol(Guid userId, Actor actor)
    {
        var secret = TotpCodes.NewSecret();
        try
        {
            var user = database.Write(() =>
            {
                var user = Users.FindById(userId) ?? throw ProblemException.NotFound("The user");
                if (user.TotpEnabled)
                    throw ProblemException.Conflict("totp-enabled", "A second factor is already on: disable it first (with a current code), or ask an admin to reset it.");
                user.TotpSecret = sealer.SealSecret(secret, Binding(user.Id));
                user.TotpLastStep = 0;
                Users.Update(user);
                audit.Append(new AuditEntry(actor.Name, "user.totp-enrolled", $"user:{user.UserName}", AuditEntry.Success, actor.ClientAddress, "secret issued, waiting for a first code"));
                return user;
            });
            return new TotpEnrolment(TotpCodes.Base32(secret), TotpCodes.Uri(secret, user.UserName));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <summary>Turns the enrolled secret on after one good code.</summary>
    public void Confirm(Guid userId, string? code, Actor actor) => database.Write(() =>
    {
        var user = Users.FindById(userId) ?? throw ProblemException.NotFound("The user");
        if (user.TotpEnabled)
            throw ProblemException.Conflict("totp-enabled", "The second factor is already on.");
        if (user.TotpSecret is null)
            throw ProblemException.Conflict("totp-not-enrolled", "Enrol first: POST /api/auth/totp/enrol.");
        if (Check(user, code) is not { } step)
        {
            audit.Append(new AuditEntry(actor.Name, "user.totp-confirmed", $"user:{user.UserName}", AuditEntry.Denied, actor.ClientAddress, "wrong code"));
            throw ProblemException.BadRequest("invalid-totp-code", "code: not the current code of the enrolled secret.");
        }
        user.TotpEnabled = true;
        user.TotpLastStep = step;
        Users.Update(user);
        audit.Append(new AuditEntry(actor.Name, "user.totp-confirmed", $"user:{user.UserName}", AuditEntry.Success, actor.ClientAddress, "second factor on"));
    });

    /// <summary>Turns the caller's second factor off; needs a current code, so a borrowed session cannot.</summary>
    public void Disable(Guid userId, string? code, Actor actor) => database.Write(() =>
    {
        var user = Users.FindById(userId) ?? throw ProblemException.NotFound("The user");
        if (!user.TotpEnabled)
            throw ProblemException.Conflict("totp-not-enabled", "The second factor is not on.");
        if (Check(user, code) is null)
        {
            audit.Append(new AuditEntry(actor.Name, "user.totp-disabled", $"user:{user.UserName}", AuditEntry.Denied, actor.ClientAddress, "wrong code"));
            throw ProblemException.Forbidden("invalid-totp-code", "code: not a current code of your second factor.");
        }
        Clear(user);
        audit.Append(new AuditEntry(actor.Name, "user.totp-disabled", $"user:{user.UserName}", AuditEntry.Success, actor.ClientAddress));
    });

    /// <summary>An admin removes someone's second factor (a lost phone); another admin must do it for an admin's own.</summary>
    public void Reset(string userName, Actor actor, Func<UserRecord, int> endSessions) => database.Write(() =>
    {
        var user = Users.FindOne(DbQuery.Equal(nameof(UserRecord.NameKey), userName.Trim().ToLowerInvariant())) ?? throw ProblemException.NotFound("The user");
        if (string.Equals(user.UserName, actor.Name, StringComparison.OrdinalIgnoreCase))
            throw ProblemException.Conflict("totp-reset-self", "You cannot reset your own second factor: disable it with a code, or ask another admin.");
        Clear(user);
        var ended = endSessions(user);
        audit.Append(new AuditEntry(actor.Name, "user.totp-reset", $"user:{user.UserName}", AuditEntry.Success, actor.ClientAddress, $"{ended} session(s) ended"));
    });

    /// <summary>
    /// The step of a good, unused code of the user's secret, or null. Inside the caller's write, which then
    /// stores the step so the same code cannot be used again.
    /// </summary>
    public long? Check(UserRecord user, string? code)
    {
        if (user.TotpSecret is null)
            return null;
        var secret = sealer.OpenSecret(user.TotpSecret, Binding(user.Id));
        try
        {
            return TotpCodes.Verify(secret, code, time.GetUtcNow(), user.TotpLastStep);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    private void Clear(UserRecord user)
    {
        user.TotpEnabled = false;
        user.TotpSecret = null;
        user.TotpLastStep = 0;
        Users.Update(user);
    }

    private static byte[] Binding(Guid userId) => Encoding.ASCII.GetBytes($"totp|{userId:N}");

    public static Guid CallerId(ClaimsPrincipal user) => Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!);
}
