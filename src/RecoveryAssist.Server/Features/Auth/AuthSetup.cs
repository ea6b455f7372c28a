using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace RecoveryAssist.Server.Features.Auth;

/// <summary>Server-side sign-in sessions (cookie), bearer tokens, and one policy per permission.</summary>
internal static class AuthSetup
{
    public const string SmartScheme = "CookieOrToken";

    public static IServiceCollection AddRecoveryAssistAuth(this IServiceCollection services)
    {
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        services.AddSingleton<SignInThrottle>();
        services.AddSingleton<SignInSessions>();
        services.AddSingleton<SessionCookie>();
        services.AddSingleton<UserService>();
        services.AddSingleton<TotpService>();
        services.AddSingleton<SignInService>();
        services.AddSingleton<AccountProvenance>();
        services.AddAuthentication(SmartScheme)
            .AddPolicyScheme(SmartScheme, "Cookie or API token", options =>
            {
                options.ForwardDefaultSelector = context =>
                    context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                        ? TokenAuthenticationHandler.SchemeName
                        : SessionAuthenticationHandler.SchemeName;
            })
            .AddScheme<AuthenticationSchemeOptions, TokenAuthenticationHandler>(TokenAuthenticationHandler.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, SessionAuthenticationHandler>(SessionAuthenticationHandler.SchemeName, null);

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

/// <summary>Grants a permission claim, unless the user still has to replace a one-time password or enrol a required second factor.</summary>
internal sealed class PermissionHandler : AuthorizationHandler<PermissionRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, PermissionRequirement requirement)
    {
        var user = context.User;
        if (!Permissions.HeldBack(user)
            && user.HasClaim(Permissions.ClaimType, Permissions.ScopeName(requirement.Permission)))
        {
            context.Succeed(requirement);
        }
        return Task.CompletedTask;
    }
}
