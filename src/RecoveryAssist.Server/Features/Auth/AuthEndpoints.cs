using System.Security.Claims;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Hosting;

namespace RecoveryAssist.Server.Features.Auth;

// The requests and answers that carry a password, a code or a one-time password print it as [redacted].
internal sealed record SignInRequest(string UserName, string Password, string? TotpCode = null)
{
    public override string ToString() => $"SignInRequest {{ UserName = {UserName}, Password = [redacted], TotpCode = [redacted] }}";
}

/// <param name="CsrfToken">Send it back in <c>X-CSRF-Token</c> on every change made with the sign-in cookie.</param>
/// <param name="MustEnrolTotp">Only enrolment (POST /api/auth/totp/enrol) is allowed until a second factor is confirmed.</param>
internal sealed record SignInResponse(string UserName, string Role, bool MustChangePassword, string CsrfToken, bool MustEnrolTotp = false);

internal sealed record ChangePasswordRequest(string CurrentPassword, string NewPassword)
{
    public override string ToString() => "ChangePasswordRequest { CurrentPassword = [redacted], NewPassword = [redacted] }";
}

internal sealed record TokenRequest(string UserName, string Password, string? Name = null, string? TotpCode = null)
{
    public override string ToString() => $"TokenRequest {{ UserName = {UserName}, Name = {Name}, Password = [redacted], TotpCode = [redacted] }}";
}

internal sealed record TotpCodeRequest(string? Code)
{
    public override string ToString() => "TotpCodeRequest { Code = [redacted] }";
}

internal sealed record CreateUserRequest(string UserName, string Role, string? Password = null)
{
    public override string ToString() => $"CreateUserRequest {{ UserName = {UserName}, Role = {Role}, Password = [redacted] }}";
}

internal sealed record CreateUserResponse(string UserName, string Role, string? OneTimePassword)
{
    public override string ToString() => $"CreateUserResponse {{ UserName = {UserName}, Role = {Role}, OneTimePassword = [redacted] }}";
}

internal sealed record UserView(string UserName, string Role, bool MustChangePassword, bool Locked, DateTime Created, string? CreatedBy);

internal sealed record ChangeRoleRequest(string Role);

internal sealed record CreateTokenRequest(string Name, IReadOnlyList<string>? Scopes = null, int? ExpiresInDays = null);

internal sealed record TokenResponse(Guid Id, string Name, string Token, IReadOnlyList<string> Scopes, DateTime? Expires);

internal sealed record TokenView(Guid Id, string Name, IReadOnlyList<string> Scopes, DateTime Created, DateTime? Expires, DateTime? Revoked);

internal static class AuthEndpoints
{
    public static void MapAuthEndpoints(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("Auth");
        auth.MapPost("/signin", SignIn).AllowAnonymous();
        auth.MapPost("/signout", (SignInService signIn, HttpContext context) =>
        {
            signIn.SignOut(context);
            return Results.NoContent();
        }).RequireAuthorization(AuthSetup.SignedInPolicy);
        auth.MapPost("/password", ChangePassword).RequireAuthorization(AuthSetup.SignedInPolicy);
        auth.MapPost("/token", IssueSignInToken).AllowAnonymous();
        // The caller's own second factor: open to anyone signed in, so that someone held back until they enrol can.
        auth.MapPost("/totp/enrol", (TotpService totp, HttpContext context) =>
            Results.Ok(totp.Enrol(TotpService.CallerId(context.User), context.Actor()))).RequireAuthorization(AuthSetup.SignedInPolicy);
        auth.MapPost("/totp/confirm", (TotpCodeRequest request, TotpService totp, HttpContext context) =>
        {
            totp.Confirm(TotpService.CallerId(context.User), request.Code, context.Actor());
            return Results.NoContent();
        }).RequireAuthorization(AuthSetup.SignedInPolicy);
        auth.MapDelete("/totp", ([Microsoft.AspNetCore.Mvc.FromBody] TotpCodeRequest request, TotpService totp, HttpContext context) =>
        {
            totp.Disable(TotpService.CallerId(context.User), request.Code, context.Actor());
            return Results.NoContent();
        }).RequireAuthorization(AuthSetup.SignedInPolicy);
        auth.MapGet("/me", (ClaimsPrincipal user) => Results.Ok(new
        {
            userName = user.Identity!.Name,
            role = user.FindFirstValue(ClaimTypes.Role),
            mustChangePassword = user.HasClaim(Permissions.MustChangePasswordClaim, "true"),
            mustEnrolTotp = user.HasClaim(Permissions.TotpEnrolmentClaim, "true"),
            permissions = user.FindAll(Permissions.ClaimType).Select(c => c.Value).ToArray(),
            csrfToken = user.FindFirstValue(SessionAuthenticationHandler.CsrfClaim),
        })).RequireAuthorization(AuthSetup.SignedInPolicy);

        var users = app.MapGroup("/api/users").WithTags("Users").RequirePermission(Permission.UsersManage);
        users.MapGet("/", (UserService service) => service.List()
            .Select(u => new UserView(u.UserName, u.Role.ToString(), u.MustChangePassword, u.Disabled, u.Created, u.CreatedBy)));
        users.MapPost("/", CreateUser);
        users.MapPost("/{userName}/lock", (string userName, UserService service, HttpContext context) =>
        {
            service.Lock(userName, context.Actor());
            return Results.NoContent();
        });
        users.MapPost("/{userName}/unlock", (string userName, UserService service, HttpContext context) =>
        {
            service.Unlock(userName, context.Actor());
            return Results.NoContent();
        });
        users.MapPost("/{userName}/totp/reset", (string userName, UserService service, HttpContext context) =>
        {
            service.ResetTotp(userName, context.Actor());
            return Results.NoContent();
        });
        users.MapPut("/{userName}/role", (string userName, ChangeRoleRequest request, UserService service, HttpContext context) =>
        {
            var user = service.ChangeRole(userName, ParseRole(request.Role), context.Actor());
            return Results.Ok(new UserView(user.UserName, user.Role.ToString(), user.MustChangePassword, user.Disabled, user.Created, user.CreatedBy));
        });
        users.MapGet("/{userName}/tokens", (string userName, UserService service) =>
        {
            var user = service.Find(userName) ?? throw ProblemException.NotFound("The user");
            return service.TokensOf(user.Id).Select(t => new TokenView(t.Id, t.Name, t.Scopes.Select(Permissions.ScopeName).ToList(), t.Created, t.Expires, t.Revoked));
        });
        // A token is always the caller's own: nobody holds a credential of someone else.
        app.MapPost("/api/tokens", CreateToken).WithTags("Users").RequireAuthorization(AuthSetup.SignedInPolicy);
        app.MapDelete("/api/tokens/{id:guid}", (Guid id, UserService service, HttpContext context) =>
        {
            service.RevokeToken(id, context.Actor());
            return Results.NoContent();
        }).WithTags("Users").RequirePermission(Permission.UsersManage);
    }

    private static IResult SignIn(SignInRequest request, SignInService signIn, TotpService totp, HttpContext context)
    {
        RequireCredentials(request.UserName, request.Password);
        var signedIn = signIn.SignIn(context, request.UserName, request.Password, request.TotpCode);
        var user = signedIn.User;
        return Results.Ok(new SignInResponse(user.UserName, user.Role.ToString(), user.MustChangePassword, signedIn.CsrfToken, totp.MustEnrol(user)));
    }

    private static IResult ChangePassword(ChangePasswordRequest request, SignInService signIn, HttpContext context)
    {
        signIn.ChangePassword(context, request.CurrentPassword, request.NewPassword);
        return Results.NoContent();
    }

    /// <summary>The CLI's <c>login</c>: trades a password for a sign-in token that lasts a working day.</summary>
    private static IResult IssueSignInToken(TokenRequest request, SignInService signIn, HttpContext context)
    {
        RequireCredentials(request.UserName, request.Password);
        var (record, token) = signIn.IssueSignInToken(context, request.UserName, request.Password, request.Name, request.TotpCode);
        return Results.Ok(new TokenResponse(record.Id, record.Name, token, record.Scopes.Select(Permissions.ScopeName).ToList(), record.Expires));
    }

    private static void RequireCredentials(string? userName, string? password)
    {
        if (string.IsNullOrEmpty(userName) || string.IsNullOrEmpty(password))
            throw ProblemException.BadRequest("missing-credentials", "userName and password are required.");
    }

    private static Role ParseRole(string? text) =>
        Enum.TryParse<Role>(text, ignoreCase: true, out var role) && Enum.IsDefined(role) && !int.TryParse(text, out _)
            ? role
            : throw ProblemException.BadRequest("invalid-role", "role: expected admin, technician, operator, automation or auditor.");

    private static IResult CreateUser(CreateUserRequest request, UserService users, HttpContext context)
    {
        var (user, oneTime) = users.Create(request.UserName, ParseRole(request.Role), request.Password, context.Actor());
        return Results.Created($"/api/users/{user.UserName}", new CreateUserResponse(user.UserName, user.Role.ToString(), oneTime));
    }

    private static IResult CreateToken(CreateTokenRequest request, UserService users, HttpContext context)
    {
        if (context.User.HasClaim(Permissions.MustChangePasswordClaim, "true"))
            throw ProblemException.Forbidden("password-change-required", "Change the one-time password first.");
        if (context.User.HasClaim(Permissions.TotpEnrolmentClaim, "true"))
            throw ProblemException.Forbidden("totp-enrolment-required", "Enrol a second factor first (POST /api/auth/totp/enrol).");
        var user = users.FindById(Guid.Parse(context.User.FindFirstValue(ClaimTypes.NameIdentifier)!)) ?? throw ProblemException.NotFound("The user");
        // At most what the caller holds now, so a narrowed token cannot mint a wider one; keys:reveal is left
        // to UserService, which refuses it with its reason.
        var held = context.User.FindAll(Permissions.ClaimType).Select(c => Permissions.FromScopeName(c.Value)).OfType<Permission>()
            .Where(p => p != Permission.KeysReveal).ToList();
        var scopes = held;
        if (request.Scopes is not null)
        {
            scopes = [];
            foreach (var scope in request.Scopes)
            {
                var permission = Permissions.FromScopeName(scope) ?? throw ProblemException.BadRequest("invalid-scope", $"Unknown scope '{scope}'; known: {string.Join(", ", Enum.GetValues<Permission>().Select(Permissions.ScopeName))}.");
                if (permission != Permission.KeysReveal && !held.Contains(permission))
                    throw ProblemException.BadRequest("invalid-scope", $"scopes: '{scope}' is not among your current permissions.");
                scopes.Add(permission);
            }
        }
        if (request.ExpiresInDays is < 1 or > 3650)
            throw ProblemException.BadRequest("invalid-token", "expiresInDays must be between 1 and 3650.");
        var lifetime = request.ExpiresInDays is { } days ? TimeSpan.FromDays(days) : (TimeSpan?)null;
        var (record, token) = users.CreateToken(user, request.Name, scopes, lifetime, context.Actor());
        return Results.Ok(new TokenResponse(record.Id, record.Name, token, record.Scopes.Select(Permissions.ScopeName).ToList(), record.Expires));
    }
}
