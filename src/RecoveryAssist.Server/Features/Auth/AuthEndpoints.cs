using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Hosting;

namespace RecoveryAssist.Server.Features.Auth;

internal sealed record SignInRequest(string UserName, string Password);

internal sealed record SignInResponse(string UserName, string Role, bool MustChangePassword);

internal sealed record ChangePasswordRequest(string CurrentPassword, string NewPassword);

internal sealed record TokenRequest(string UserName, string Password, string? Name = null);

internal sealed record CreateUserRequest(string UserName, string Role, string? Password = null);

internal sealed record CreateUserResponse(string UserName, string Role, string? OneTimePassword);

internal sealed record UserView(string UserName, string Role, bool MustChangePassword, bool Locked, DateTime Created, bool Disabled = false);

internal sealed record CreateTokenRequest(string Name, IReadOnlyList<string>? Scopes = null, int? ExpiresInDays = null);

internal sealed record TokenResponse(Guid Id, string Name, string Token, IReadOnlyList<string> Scopes, DateTime? Expires);

internal sealed record TokenView(Guid Id, string Name, IReadOnlyList<string> Scopes, DateTime Created, DateTime? Expires, DateTime? Revoked);

internal static class AuthEndpoints
{
    public static void MapAuthEndpoints(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("Auth");
        auth.MapPost("/signin", SignIn).AllowAnonymous();
        auth.MapPost("/signout", async (HttpContext context) =>
        {
            await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme).ConfigureAwait(false);
            return Results.NoContent();
        }).RequireAuthorization(AuthSetup.SignedInPolicy);
        auth.MapPost("/password", ChangePassword).RequireAuthorization(AuthSetup.SignedInPolicy);
        auth.MapPost("/token", IssueSignInToken).AllowAnonymous();
        auth.MapGet("/me", (ClaimsPrincipal user) => Results.Ok(new
        {
            userName = user.Identity!.Name,
            role = user.FindFirstValue(ClaimTypes.Role),
            mustChangePassword = user.HasClaim(Permissions.MustChangePasswordClaim, "true"),
            permissions = user.FindAll(Permissions.ClaimType).Select(c => c.Value).ToArray(),
        })).RequireAuthorization(AuthSetup.SignedInPolicy);

        var users = app.MapGroup("/api/users").WithTags("Users").RequirePermission(Permission.UsersManage);
        users.MapGet("/", (UserService service, TimeProvider time) => service.List()
            .Select(u => new UserView(u.UserName, u.Role.ToString(), u.MustChangePassword, u.LockedUntil > time.GetUtcNow().UtcDateTime, u.Created, u.Disabled)));
        users.MapPost("/", CreateUser);
        users.MapPost("/{userName}/unlock", (string userName, UserService service, HttpContext context) =>
        {
            service.Unlock(userName, context.Actor());
            return Results.NoContent();
        });
        users.MapPost("/{userName}/tokens", CreateToken);
        users.MapGet("/{userName}/tokens", (string userName, UserService service) =>
        {
            var user = service.Find(userName) ?? throw ProblemException.NotFound("The user");
            return service.TokensOf(user.Id).Select(t => new TokenView(t.Id, t.Name, t.Scopes.Select(Permissions.ScopeName).ToList(), t.Created, t.Expires, t.Revoked));
        });
        app.MapDelete("/api/tokens/{id:guid}", (Guid id, UserService service, HttpContext context) =>
        {
            service.RevokeToken(id, context.Actor());
            return Results.NoContent();
        }).WithTags("Users").RequirePermission(Permission.UsersManage);
    }

    private static async Task<IResult> SignIn(SignInRequest request, UserService users, HttpContext context)
    {
        RequireCredentials(request.UserName, request.Password);
        var user = users.SignIn(request.UserName, request.Password, context.ClientAddress());
        var principal = UserService.Principal(user, Permissions.Of(user.Role), CookieAuthenticationDefaults.AuthenticationScheme);
        await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, principal).ConfigureAwait(false);
        return Results.Ok(new SignInResponse(user.UserName, user.Role.ToString(), user.MustChangePassword));
    }

    private static async Task<IResult> ChangePassword(ChangePasswordRequest request, UserService users, HttpContext context)
    {
        var id = Guid.Parse(context.User.FindFirstValue(ClaimTypes.NameIdentifier)!);
        users.ChangePassword(id, request.CurrentPassword, request.NewPassword, context.Actor());
        if (context.User.Identity?.AuthenticationType == CookieAuthenticationDefaults.AuthenticationScheme)
        {
            // Re-issue the cookie without the "must change password" mark.
            var user = users.Find(context.User.Identity!.Name!)!;
            await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme,
                UserService.Principal(user, Permissions.Of(user.Role), CookieAuthenticationDefaults.AuthenticationScheme)).ConfigureAwait(false);
        }
        return Results.NoContent();
    }

    /// <summary>The CLI's <c>login</c>: trades a password for a token that lasts a working day.</summary>
    private static IResult IssueSignInToken(TokenRequest request, UserService users, HttpContext context)
    {
        RequireCredentials(request.UserName, request.Password);
        var user = users.SignIn(request.UserName, request.Password, context.ClientAddress());
        if (user.MustChangePassword)
            throw ProblemException.Forbidden("password-change-required", "Change the one-time password first (recoveryassist passwd, or the web page).");
        var (record, token) = users.CreateToken(user, request.Name ?? "cli login", null, UserService.SignInTokenLifetime, new Actor(user.UserName, context.ClientAddress()));
        return Results.Ok(new TokenResponse(record.Id, record.Name, token, record.Scopes.Select(Permissions.ScopeName).ToList(), record.Expires));
    }

    private static void RequireCredentials(string? userName, string? password)
    {
        if (string.IsNullOrEmpty(userName) || string.IsNullOrEmpty(password))
            throw ProblemException.BadRequest("missing-credentials", "userName and password are required.");
    }

    private static IResult CreateUser(CreateUserRequest request, UserService users, HttpContext context)
    {
        if (!Enum.TryParse<Role>(request.Role, ignoreCase: true, out var role) || !Enum.IsDefined(role))
            throw ProblemException.BadRequest("invalid-role", "role: expected admin, technician, operator, automation or auditor.");
        var (user, oneTime) = users.Create(request.UserName, role, request.Password, context.Actor());
        return Results.Created($"/api/users/{user.UserName}", new CreateUserResponse(user.UserName, user.Role.ToString(), oneTime));
    }

    private static IResult CreateToken(string userName, CreateTokenRequest request, UserService users, HttpContext context)
    {
        var user = users.Find(userName) ?? throw ProblemException.NotFound("The user");
        List<Permission>? scopes = null;
        if (request.Scopes is not null)
        {
            scopes = [];
            foreach (var scope in request.Scopes)
                scopes.Add(Permissions.FromScopeName(scope) ?? throw ProblemException.BadRequest("invalid-scope", $"Unknown scope '{scope}'; known: {string.Join(", ", Enum.GetValues<Permission>().Select(Permissions.ScopeName))}."));
        }
        if (request.ExpiresInDays is < 1 or > 3650)
            throw ProblemException.BadRequest("invalid-token", "expiresInDays must be between 1 and 3650.");
        var lifetime = request.ExpiresInDays is { } days ? TimeSpan.FromDays(days) : (TimeSpan?)null;
        var (record, token) = users.CreateToken(user, request.Name, scopes, lifetime, context.Actor());
        return Results.Ok(new TokenResponse(record.Id, record.Name, token, record.Scopes.Select(Permissions.ScopeName).ToList(), record.Expires));
    }
}
