using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using RecoveryAssist.Server.Hosting;

namespace RecoveryAssist.Server.Features.Auth;

/// <summary>
/// The sign-in cookie: it carries only the (data-protected) secret of a server-side session. Every request
/// looks the session and its user up, so sign-out, a password change, a lock or a role change end it at
/// once. A state change of the API made with the cookie must also carry the session's CSRF token in
/// <c>X-CSRF-Token</c>: a page of another origin cannot read it, nor set the header without CORS (which
/// the appliance never grants). Registered under the cookie scheme's usual name, so that
/// <c>HttpContext.SignInAsync("Cookies", principal)</c> starts a session as before.
/// </summary>
internal sealed class SessionAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    SessionCookie cookie,
    UserService users,
    IEnumerable<IBrowserChallenge> browsers)
    : SignInAuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = CookieAuthenticationDefaults.AuthenticationScheme;
    public const string CsrfHeader = "X-CSRF-Token";
    public const string SessionClaim = "ra:session";
    public const string CsrfClaim = "ra:csrf";

    private const string CsrfRefusedItem = "ra:csrf-refused";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var session = cookie.Read(Context);
        if (session is null)
            return Task.FromResult(Request.Cookies.ContainsKey(SessionCookie.Name) ? AuthenticateResult.Fail("session ended") : AuthenticateResult.NoResult());
        var user = users.FindById(session.UserId);
        if (user is null || user.Disabled)
            return Task.FromResult(AuthenticateResult.Fail("session ended"));
        if (NeedsCsrfToken(Request) && !SignInSessions.CsrfMatches(session, Request.Headers[CsrfHeader].ToString()))
        {
            Context.Items[CsrfRefusedItem] = true;
            return Task.FromResult(AuthenticateResult.Fail("missing or wrong X-CSRF-Token"));
        }
        var principal = users.Principal(user, Permissions.Of(user.Role), SchemeName);
        var identity = (ClaimsIdentity)principal.Identity!;
        identity.AddClaim(new Claim(SessionClaim, session.Id.ToString()));
        identity.AddClaim(new Claim(CsrfClaim, session.CsrfToken));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }

    /// <summary>Every state change of the API; the page forms carry ASP.NET Core's own antiforgery token.</summary>
    public static bool NeedsCsrfToken(HttpRequest request) =>
        !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method) || HttpMethods.IsTrace(request.Method))
        && request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase);

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Context.Items.ContainsKey(CsrfRefusedItem))
        {
            Response.StatusCode = StatusCodes.Status403Forbidden;
            await Response.WriteAsJsonAsync(new
            {
                type = ProblemMapping.TypeBase + "csrf-token-required",
                title = "csrf-token-required",
                status = 403,
                detail = $"A change made with the sign-in cookie needs the {CsrfHeader} header: the csrfToken of the sign-in answer (or of GET /api/auth/me).",
            }, (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json").ConfigureAwait(false);
            return;
        }
        foreach (var browser in browsers)
            if (await browser.ChallengeAsync(Context).ConfigureAwait(false))
                return;
        // An API answers with a status, never with a redirect to a sign-in page.
        Response.StatusCode = StatusCodes.Status401Unauthorized;
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        foreach (var browser in browsers)
            if (await browser.ForbidAsync(Context).ConfigureAwait(false))
                return;
        Response.StatusCode = StatusCodes.Status403Forbidden;
    }

    protected override Task HandleSignInAsync(ClaimsPrincipal user, AuthenticationProperties? properties)
    {
        var id = Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("A sign-in needs the user's id claim."));
        cookie.Issue(Context, id);
        return Task.CompletedTask;
    }

    protected override Task HandleSignOutAsync(AuthenticationProperties? properties)
    {
        cookie.End(Context, "signed out");
        return Task.CompletedTask;
    }
}

/// <summary>
/// How a person's browser is answered where the API answers 401 or 403 (the web console sends it to its
/// sign-in page); registered by the feature that has pages, so Auth knows nothing of them.
/// </summary>
internal interface IBrowserChallenge
{
    /// <returns>True when it has answered the request.</returns>
    Task<bool> ChallengeAsync(HttpContext context);

    /// <returns>True when it has answered the request.</returns>
    Task<bool> ForbidAsync(HttpContext context);
}

/// <summary>Issues, reads and ends the session cookie; used by the handler and by <see cref="SignInService"/>.</summary>
internal sealed class SessionCookie(SignInSessions sessions, IDataProtectionProvider protection)
{
    public const string Name = "recoveryassist";

    private readonly IDataProtector _protector = protection.CreateProtector("RecoveryAssist.SignInSession.v1");

    /// <summary>Starts a session for <paramref name="userId"/> and sets its cookie; returns the session (with its CSRF token).</summary>
    public SignInSessionRecord Issue(HttpContext context, Guid userId, string? keepCsrfToken = null)
    {
        var (session, secret) = sessions.Create(userId, context.ClientAddress(), keepCsrfToken);
        context.Response.Cookies.Append(Name, _protector.Protect(secret), new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            Path = "/",
            IsEssential = true,
        });
        context.Response.Headers[SessionAuthenticationHandler.CsrfHeader] = session.CsrfToken;
        return session;
    }

    /// <summary>The live session the request's cookie names, or null.</summary>
    public SignInSessionRecord? Read(HttpContext context)
    {
        if (!context.Request.Cookies.TryGetValue(Name, out var value) || value.Length is 0 or > 1024)
            return null;
        string secret;
        try
        {
            secret = _protector.Unprotect(value);
        }
        catch (CryptographicException)
        {
            return null;
        }
        return sessions.Find(secret);
    }

    /// <summary>Revokes the request's session (if any) and deletes its cookie.</summary>
    public void End(HttpContext context, string because)
    {
        if (Read(context) is { } session)
            sessions.Revoke(session.Id, because);
        context.Response.Cookies.Delete(Name, new CookieOptions { Path = "/", Secure = context.Request.IsHttps, SameSite = SameSiteMode.Strict, HttpOnly = true });
    }
}
