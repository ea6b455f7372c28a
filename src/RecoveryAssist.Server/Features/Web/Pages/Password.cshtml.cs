using Microsoft.AspNetCore.Mvc;
using RecoveryAssist.Server.Features.Auth;
using RecoveryAssist.Server.Hosting;

namespace RecoveryAssist.Server.Features.Web.Pages;

internal sealed class PasswordModel : WebPage
{
    public string ReturnUrl { get; private set; } = "/";

    public bool MustChange => User.HasClaim(Permissions.MustChangePasswordClaim, "true");

    public void OnGet(string? returnUrl) => ReturnUrl = LoginModel.LocalOrHome(returnUrl);

    public async Task<IActionResult> OnPostAsync(string? currentPassword, string? newPassword, string? again, string? returnUrl)
    {
        ReturnUrl = LoginModel.LocalOrHome(returnUrl);
        if (string.IsNullOrEmpty(currentPassword) || string.IsNullOrEmpty(newPassword))
        {
            Error = "Give your current password and the new one.";
            return Page();
        }
        if (newPassword != again)
        {
            Error = "The two new passwords differ: type the same one twice.";
            return Page();
        }
        try
        {
            await WebSignIn.ChangePasswordAsync(HttpContext, currentPassword, newPassword);
        }
        catch (ProblemException e)
        {
            Error = e.Message;
            Response.StatusCode = e.Status;
            return Page();
        }
        return Done("Your password is changed.", ReturnUrl);
    }
}
