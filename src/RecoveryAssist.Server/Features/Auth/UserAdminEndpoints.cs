using RecoveryAssist.Server.Hosting;

namespace RecoveryAssist.Server.Features.Auth;

internal sealed record ResetPasswordResponse(string UserName, string OneTimePassword)
{
    public override string ToString() => $"ResetPasswordResponse {{ UserName = {UserName}, OneTimePassword = [redacted] }}";
}

/// <summary>
/// Account administration beyond create/list/lock/unlock/role (<c>recoveryassist user reset-password</c>),
/// and each signed-in person's own API tokens (<c>recoveryassist token list|revoke</c>; created with
/// <c>POST /api/tokens</c>).
/// </summary>
internal static class UserAdminEndpoints
{
    public static void MapUserAdminEndpoints(this IEndpointRouteBuilder app)
    {
        var users = app.MapGroup("/api/users").WithTags("Users").RequirePermission(Permission.UsersManage);
        users.MapPost("/{userName}/reset-password", (string userName, UserService service, HttpContext context) =>
        {
            var (user, password) = service.ResetPassword(userName, context.Actor());
            return new ResetPasswordResponse(user.UserName, password);
        });

        var own = app.MapGroup("/api/auth/tokens").WithTags("Auth").RequireAuthorization(AuthSetup.SignedInPolicy);
        own.MapGet("/", (UserService service, HttpContext context) => service.TokensOf(Self(service, context).Id)
            .Select(t => new TokenView(t.Id, t.Name, t.Scopes.Select(Permissions.ScopeName).ToList(), t.Created, t.Expires, t.Revoked)));
        own.MapDelete("/{id:guid}", (Guid id, UserService service, HttpContext context) =>
        {
            var self = Self(service, context);
            if (!service.TokensOf(self.Id).Any(t => t.Id == id))
                throw ProblemException.NotFound("The token");
            service.RevokeToken(id, context.Actor());
            return Results.NoContent();
        });
    }

    /// <summary>The caller's own account; one who must still change a one-time password gets nothing here.</summary>
    private static UserRecord Self(UserService service, HttpContext context)
    {
        if (context.User.HasClaim(Permissions.MustChangePasswordClaim, "true"))
            throw ProblemException.Forbidden("password-change-required", "Change the one-time password first (recoveryassist passwd).");
        if (context.User.HasClaim(Permissions.TotpEnrolmentClaim, "true"))
            throw ProblemException.Forbidden("totp-enrolment-required", "Enrol a second factor first (recoveryassist totp enrol).");
        return service.Find(context.User.Identity!.Name!) ?? throw ProblemException.NotFound("The user");
    }
}
