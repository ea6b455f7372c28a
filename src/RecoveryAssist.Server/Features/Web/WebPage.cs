using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RecoveryAssist.Server.Features.Auth;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Features.Recovery;
using RecoveryAssist.Server.Hosting;

namespace RecoveryAssist.Server.Features.Web;

/// <summary>What every console page shares: who is signed in, what they may do, and one way to show a refusal.</summary>
internal abstract class WebPage : PageModel
{
    /// <summary>A one-line confirmation carried over a redirect (post, redirect, get).</summary>
    [TempData]
    public string? Notice { get; set; }

    /// <summary>Why the last action was refused, as the service said it (never a secret).</summary>
    public string? Error { get; set; }

    public string UserName => User.Identity?.Name ?? "";

    public string RoleName => User.FindFirstValue(ClaimTypes.Role) ?? "";

    public bool Can(Permission permission) => HttpContext.Can(permission);

    protected Actor Actor => HttpContext.Actor();

    protected Person Person => Person.Of(HttpContext);

    /// <summary>Runs an action; a refusal becomes <see cref="Error"/> and the page is shown again.</summary>
    protected bool Try(Action action)
    {
        try
        {
            action();
            return true;
        }
        catch (ProblemException e)
        {
            Error = e.Message;
            Response.StatusCode = e.Status;
            return false;
        }
    }

    /// <summary>Post, redirect, get: the notice survives the redirect, a reload never repeats the action.</summary>
    protected RedirectResult Done(string notice, string url)
    {
        Notice = notice;
        return Redirect(url);
    }

    protected IActionResult Denied() => StatusCode(StatusCodes.Status403Forbidden);

    /// <summary>
    /// Refuses a session action the role lacks, audited as the API audits it (<see cref="RecoveryEndpoints.Require"/>):
    /// a wrong-role attempt from a browser leaves the same record as one from the command line.
    /// </summary>
    protected IActionResult SessionDenied(RecoverySessionService sessions, Permission permission, Guid sessionId, string action)
    {
        try
        {
            RecoveryEndpoints.Require(HttpContext, sessions, permission, sessionId, action);
        }
        catch (ProblemException)
        {
            // The refusal is recorded; the page answers 403 below.
        }
        return Denied();
    }
}

internal static class WebPermissions
{
    /// <summary>The same test the authorization policies make: the permission, and nothing holding it back.</summary>
    public static bool Can(this HttpContext context, Permission permission) =>
        !Permissions.HeldBack(context.User)
        && context.User.HasClaim(Permissions.ClaimType, Permissions.ScopeName(permission));
}

/// <summary>A page that needs one permission: without it the URL answers 403 (and the menu has no link to it).</summary>
internal sealed class RequiresAttribute : AuthorizeAttribute
{
    public RequiresAttribute(Permission permission) => Policy = Permissions.PolicyName(permission);
}
