using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;

namespace RecoveryAssist.Server.Features.Auth;

/// <summary>Cookie sign-in for pages, bearer tokens for automation, and one policy per permission.</summary>
internal static class AuthSetup
{
    public const string SmartScheme = "CookieOrToken";

    public static IServiceCollection AddRecoveryAssistAuth(this IServiceCollection services)
    {
        services.AddSingleton<UserService>();
        services.AddAuthentication(SmartScheme)
            .AddPolicyScheme(SmartScheme, "Cookie or API token", options =>
            {
                options.ForwardDefaultSelector = context =>
                    context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                        ? TokenAuthenticationHandler.SchemeName
                        : CookieAuthenticationDefaults.AuthenticationScheme;
            })
            .AddScheme<AuthenticationSchemeOptions, TokenAuthenticationHandler>(TokenAuthenticationHandler.SchemeName, null)
            .AddCookie(options =>
            {
                options.Cookie.Name = "recoveryassist";
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Strict;
                options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.ExpireTimeSpan = TimeSpan.FromHours(8);
                options.SlidingExpiration = true;
                // An API answers with a status, never with a redirect to a login page.
                options.Events.OnRedirectToLogin = context =>
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    return Task.CompletedTask;
                };
                options.Events.OnRedirectToAccessDenied = context =>
                {
                    context.Response.StatusCode = StatusCodes.Status403Forbidden;
                    return Task.CompletedTask;
                };
            });

        services.AddAuthorization(options =>
        {
            foreach (var permission in Enum.GetValues<Permission>())
            {
                options.AddPolicy(Permissions.PolicyName(permission), policy => policy
                    .RequireAuthenticatedUser()
                    .AddRequirements(new PermissionRequirement(permission)));
            }
            options.AddPolicy(SignedInPolicy, policy => policy.RequireAuthenticatedUser());
        });
        services.AddSingleton<IAuthorizationHandler, PermissionHandler>();
        return services;
    }

    /// <summary>Any signed-in user, even one who must still change a one-time password.</summary>
    public const string SignedInPolicy = "signed-in";

    public static TBuilder RequirePermission<TBuilder>(this TBuilder builder, Permission permission)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(Permissions.PolicyName(permission));
}

internal sealed record PermissionRequirement(Permission Permission) : IAuthorizationRequirement;

/// <summary>Grants a permission claim, unless the user still has to replace a one-time password.</summary>
internal sealed class PermissionHandler : AuthorizationHandler<PermissionRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, PermissionRequirement requirement)
    {
        var user = context.User;
        if (!user.HasClaim(Permissions.MustChangePasswordClaim, "true")
            && user.HasClaim(Permissions.ClaimType, Permissions.ScopeName(requirement.Permission)))
        {
            context.Succeed(requirement);
        }
        return Task.CompletedTask;
    }
}
