using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using RecoveryAssist.Server.Features.Auth;
using RecoveryAssist.Server.Hosting;

namespace RecoveryAssist.Server.Features.Web;

/// <summary>
/// The one place where the console signs a person in and out, so that a change of how sign-in
/// works (cookie, server-side session, second factor) is made here and nowhere else in the pages.
/// </summary>
internal static class WebSignIn
{
    /// <summary>Checks the password (lockout and audit are the user service's) and issues the sign-in cookie.</summary>
    /// <exception cref="ProblemException">Wrong credentials, a locked account.</exception>
    public static async Task<UserRecord> SignInAsync(HttpContext context, string userName, string password)
    {
        var users = context.RequestServices.GetRequiredService<UserService>();
        var user = users.SignIn(userName, password, context.ClientAddress());
        await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme,
            UserService.Principal(user, Permissions.Of(user.Role), CookieAuthenticationDefaults.AuthenticationScheme)).ConfigureAwait(false);
        return user;
    }

    /// <summary>Replaces the signed-in user's password and re-issues the cookie without the "must change" mark.</summary>
    public static async Task ChangePasswordAsync(HttpContext context, string currentPassword, string newPassword)
    {
        var users = context.RequestServices.GetRequiredService<UserService>();
        var id = Guid.Parse(context.User.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)!.Value);
        users.ChangePassword(id, currentPassword, newPassword, context.Actor());
        var user = users.Find(context.User.Identity!.Name!)!;
        await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme,
            UserService.Principal(user, Permissions.Of(user.Role), CookieAuthenticationDefaults.AuthenticationScheme)).ConfigureAwait(false);
    }

    public static Task SignOutAsync(HttpContext context) =>
        context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
}
