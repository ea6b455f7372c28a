using RecoveryAssist.Server.Features.Auth;
using RecoveryAssist.Server.Hosting;

namespace RecoveryAssist.Server.Features.Web;

/// <summary>
/// The one place where the console signs a person in and out: the same <see cref="SignInService"/> as the
/// API (throttled password check, server-side session), so the pages never grow a sign-in of their own.
/// </summary>
internal static class WebSignIn
{
    /// <exception cref="ProblemException">Wrong credentials, a locked account, too many tries.</exception>
    public static Task<UserRecord> SignInAsync(HttpContext context, string userName, string password, string? totpCode = null) =>
        Task.FromResult(Service(context).SignIn(context, userName, password, totpCode).User);

    /// <summary>Replaces the signed-in user's password; the caller's session goes on, without the "must change" mark.</summary>
    public static Task ChangePasswordAsync(HttpContext context, string currentPassword, string newPassword)
    {
        Service(context).ChangePassword(context, currentPassword, newPassword);
        return Task.CompletedTask;
    }

    public static Task SignOutAsync(HttpContext context)
    {
        Service(context).SignOut(context);
        return Task.CompletedTask;
    }

    private static SignInService Service(HttpContext context) => context.RequestServices.GetRequiredService<SignInService>();
}
