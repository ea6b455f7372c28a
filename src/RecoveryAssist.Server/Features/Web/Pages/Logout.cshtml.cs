using Microsoft.AspNetCore.Mvc;

namespace RecoveryAssist.Server.Features.Web.Pages;

internal sealed class LogoutModel : WebPage
{
    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        await WebSignIn.SignOutAsync(HttpContext);
        return Redirect("/login");
    }
}
