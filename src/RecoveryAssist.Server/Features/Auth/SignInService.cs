using System.Security.Claims;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Hosting;

namespace RecoveryAssist.Server.Features.Auth;

/// <summary>A person signed in: who, and the CSRF token their page or script sends back on every API change.</summary>
internal sealed record SignedIn(UserRecord User, Guid SessionId, string CsrfToken);

/// <summary>
/// Sign-in, sign-out and password change for people, the same for the API and the page forms: the
/// password check (throttled, same answer for unknown and wrong), then a server-side session and its cookie.
/// </summary>
internal sealed class SignInService(UserService users, SessionCookie cookie)
{
    public SignedIn SignIn(HttpContext context, string userName, string password, string? totpCode = null)
    {
        var user = users.SignIn(userName, password, context.ClientAddress(), totpCode);
        var session = cookie.Issue(context, user.Id);
        return new SignedIn(user, session.Id, session.CsrfToken);
    }

    /// <summary>Ends the caller's session (and deletes the cookie). Other sessions of the user stay.</summary>
    public void SignOut(HttpContext context) => cookie.End(context, "signed out");

    /// <summary>
    /// Changes the caller's password; every session and sign-in token of the user ends, and a caller who
    /// used the cookie gets a fresh session (same CSRF token) so the page goes on working.
    /// </summary>
    public void ChangePassword(HttpContext context, string currentPassword, string newPassword)
    {
        var id = Guid.Parse(context.User.FindFirstValue(ClaimTypes.NameIdentifier)!);
        users.ChangePassword(id, currentPassword, newPassword, context.Actor());
        if (context.User.FindFirstValue(SessionAuthenticationHandler.CsrfClaim) is { } csrf)
            cookie.Issue(context, id, csrf);
    }

    /// <summary>
    /// The CLI's <c>login</c>: a password (and the code, for an account with a second factor) traded for a
    /// sign-in token that lasts a working day. A user who must still enrol a required second factor gets a
    /// token that only enrols (<c>recoveryassist totp enrol</c>).
    /// </summary>
    public (ApiTokenRecord Record, string Token) IssueSignInToken(HttpContext context, string userName, string password, string? name, string? totpCode = null)
    {
        var user = users.SignIn(userName, password, context.ClientAddress(), totpCode);
        if (user.MustChangePassword)
            throw ProblemException.Forbidden("password-change-required", "Change the one-time password first (recoveryassist passwd, or the web page).");
        return users.CreateToken(user, name ?? "cli login", null, UserService.SignInTokenLifetime, new Actor(user.UserName, context.ClientAddress()), interactive: true);
    }
}
