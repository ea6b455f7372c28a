using RecoveryAssist.Server.Features.Escrow;

namespace RecoveryAssist.Server.Hosting;

internal static class HttpContextExtensions
{
    public static string? ClientAddress(this HttpContext context) => context.Connection.RemoteIpAddress?.ToString();

    /// <summary>The caller as the audit log names it: the user, or "token:&lt;id&gt;" beside the user for automation.</summary>
    public static Actor Actor(this HttpContext context)
    {
        var name = context.User.Identity?.IsAuthenticated == true ? context.User.Identity.Name ?? "?" : "anonymous";
        return new Actor(name, context.ClientAddress());
    }
}
