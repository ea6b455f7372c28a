using System.Security.Claims;
using RecoveryAssist.Server.Hosting;

namespace RecoveryAssist.Server.Features.Auth;

internal sealed record SetRoleRequest(string Role);

internal sealed record ResetPasswordResponse(string UserName, string OneTimePassword);

/// <summary>
/// Account administration beyond create/list/unlock (<c>recoveryassist user role|disable|enable|reset-password</c>),
/// and each signed-in person's own API tokens (<c>recoveryassist token create|list|revoke</c>).
/// </summary>
internal static class UserAdminEndpoints
{
    public static IServiceCollection AddUserAdministration(this IServiceCollection services) => services.AddSingleton<UserAdministration>();

    public static void MapUserAdminEndpoints(this IEndpointRouteBuilder app)
    {
        var users = app.MapGroup("/api/users").WithTags("Users").RequirePermission(Permission.UsersManage);
        users.MapPut("/{userName}/role", (string userName, SetRoleRequest request, UserAdministration admin, TimeProvider time, HttpContext context) =>
            View(admin.SetRole(userName, ParseRole(request.Role), context.Actor()), time));
        users.MapPost("/{userName}/disable", (string userName, UserAdministration admin, TimeProvider time, HttpContext context) =>
            View(admin.SetDisabled(userName, true, context.Actor()), time));
        users.MapPost("/{userName}/enable", (string userName, UserAdministration admin, TimeProvider time, HttpContext context) =>
            View(admin.SetDisabled(userName, false, context.Actor()), time));
        users.MapPost("/{userName}/reset-password", (string userName, UserAdministration admin, HttpContext context) =>
        {
            var (user, password) = admin.ResetPassword(userName, context.Actor());
            return new ResetPasswordResponse(user.UserName, password);
        });

        var own = app.MapGroup("/api/auth/tokens").WithTags("Auth").RequireAuthorization(AuthSetup.SignedInPolicy);
        own.MapGet("/", (UserService service, HttpContext context) => service.TokensOf(Self(service, context).Id)
            .Select(t => new TokenView(t.Id, t.Name, t.Scopes.Select(Permissions.ScopeName).ToList(), t.Created, t.Expires, t.Revoked)));
        own.MapPost("/", CreateOwnToken);
        own.MapDelete("/{id:guid}", (Guid id, UserService service, HttpContext context) =>
        {
            var self = Self(service, context);
            if (!service.TokensOf(self.Id).Any(t => t.Id == id))
                throw ProblemException.NotFound("The token");
            service.RevokeToken(id, context.Actor());
            return Results.NoContent();
        });
    }

    public static Role ParseRole(string? role) =>
        Enum.TryParse<Role>(role, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(role, out _)
            ? parsed
            : throw ProblemException.BadRequest("invalid-role", "role: expected admin, technician, operator, automation or auditor.");

    private static UserView View(UserRecord user, TimeProvider time) =>
        new(user.UserName, user.Role.ToString(), user.MustChangePassword, user.LockedUntil > time.GetUtcNow().UtcDateTime, user.Created, user.Disabled);

    /// <summary>The caller's own account; one who must still change a one-time password gets no token.</summary>
    private static UserRecord Self(UserService service, HttpContext context)
    {
        if (context.User.HasClaim(Permissions.MustChangePasswordClaim, "true"))
            throw ProblemException.Forbidden("password-change-required", "Change the one-time password first (recoveryassist passwd).");
        return service.Find(context.User.Identity!.Name!) ?? throw ProblemException.NotFound("The user");
    }

    /// <summary>
    /// A token of one's own, at most as wide as what the caller holds now: a narrowed token cannot mint a
    /// wider one. Without scopes it carries all of the caller's current permissions.
    /// </summary>
    private static IResult CreateOwnToken(CreateTokenRequest request, UserService service, HttpContext context)
    {
        var self = Self(service, context);
        var held = context.User.FindAll(Permissions.ClaimType).Select(c => Permissions.FromScopeName(c.Value)).OfType<Permission>().ToList();
        var scopes = held;
        if (request.Scopes is not null)
        {
            scopes = [];
            foreach (var scope in request.Scopes)
            {
                var permission = Permissions.FromScopeName(scope)
                    ?? throw ProblemException.BadRequest("invalid-scope", $"scopes: unknown scope '{scope}'.");
                scopes.Add(held.Contains(permission) ? permission
                    : throw ProblemException.BadRequest("invalid-scope", $"scopes: '{scope}' is not among your current permissions."));
            }
        }
        if (request.ExpiresInDays is < 1 or > 3650)
            throw ProblemException.BadRequest("invalid-token", "expiresInDays must be between 1 and 3650.");
        var lifetime = request.ExpiresInDays is { } days ? TimeSpan.FromDays(days) : (TimeSpan?)null;
        var (record, token) = service.CreateToken(self, request.Name, scopes, lifetime, context.Actor());
        return Results.Ok(new TokenResponse(record.Id, record.Name, token, record.Scopes.Select(Permissions.ScopeName).ToList(), record.Expires));
    }
}
