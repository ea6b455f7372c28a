using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication.Cookies;
using RecoveryAssist.Server.Features.Auth;

namespace RecoveryAssist.Server.Features.Web;

/// <summary>
/// The web console: server-rendered Razor Pages under <c>Features/Web/Pages</c>, one stylesheet and one
/// small script served by the appliance with a long cache, a strict nonce Content-Security-Policy on
/// every page, antiforgery on every form. Browsers that are not signed in go to <c>/login</c>; API
/// clients keep getting a 401 or 403 status.
/// </summary>
internal static class WebSetup
{
    public const string NonceItem = "ra:csp-nonce";

    public static IServiceCollection AddWebConsole(this IServiceCollection services)
    {
        services.AddRazorPages(options =>
        {
            options.RootDirectory = "/Features/Web/Pages";
            options.Conventions.AuthorizeFolder("/", AuthSetup.SignedInPolicy);
            options.Conventions.AllowAnonymousToPage("/Login");
        }).AddMvcOptions(options => options.Filters.Add(new RefusalPageFilter()))
            .ConfigureApplicationPartManager(parts =>
            {
                // The pages are compiled into this assembly; when it is not the entry assembly (tests host it
                // in-process) nothing would find them.
                var assembly = typeof(WebSetup).Assembly;
                if (parts.ApplicationParts.OfType<Microsoft.AspNetCore.Mvc.ApplicationParts.AssemblyPart>().Any(p => p.Assembly == assembly))
                    return;
                foreach (var part in Microsoft.AspNetCore.Mvc.ApplicationParts.ApplicationPartFactory.GetApplicationPartFactory(assembly).GetApplicationParts(assembly))
                    parts.ApplicationParts.Add(part);
            });
        services.AddAntiforgery(options =>
        {
            options.Cookie.Name = "recoveryassist-form";
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        services.AddSingleton<WebAssets>();
        services.AddSingleton<IBrowserChallenge, PageChallenge>();
        return services;
    }

    public static void MapWebConsole(this WebApplication app)
    {
        app.Use(SecurityHeaders);
        var assets = app.Services.GetRequiredService<WebAssets>();
        app.MapGet("/assets/{version}/{name}", (string version, string name, HttpContext context) =>
        {
            var asset = assets.Find(name);
            if (asset is null)
                return Results.NotFound();
            // The version in the URL is the content's hash: a new build gets a new URL, so a year is safe.
            context.Response.Headers.CacheControl = version == asset.Version ? "public, max-age=31536000, immutable" : "no-cache";
            return Results.Bytes(asset.Content, asset.ContentType);
        }).AllowAnonymous().ExcludeFromDescription();
        app.MapRazorPages();
    }

    /// <summary>Anything that is not the API, the provisioning side or a machine endpoint is a page for a person.</summary>
    public static bool IsPage(HttpRequest request) =>
        !(request.Path.StartsWithSegments("/api") || request.Path.StartsWithSegments("/boot") || request.Path.StartsWithSegments("/openapi")
          || request.Path.StartsWithSegments("/health") || request.Path.StartsWithSegments("/metrics") || request.Path.StartsWithSegments("/assets"));

    public static string Nonce(this HttpContext context) => context.Items[NonceItem] as string ?? "";

    /// <summary>Pages get a fresh nonce, a CSP allowing only that nonce's scripts and our own stylesheet, and no caching.</summary>
    private static Task SecurityHeaders(HttpContext context, RequestDelegate next)
    {
        if (IsPage(context.Request))
        {
            var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
            context.Items[NonceItem] = nonce;
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = PageSecurityPolicy(nonce);
            headers.CacheControl = "no-store";
            headers["Referrer-Policy"] = "no-referrer";
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
        }
        return next(context);
    }

    public static string PageSecurityPolicy(string nonce) =>
        $"default-src 'none'; style-src 'self'; script-src 'nonce-{nonce}'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    public static Task Forbidden(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.Headers.ContentSecurityPolicy = PageSecurityPolicy("-");
        return context.Response.WriteAsync(StatusPage(context, "Not for your role", "Your role does not allow this page. If you need it, ask an administrator."));
    }

    /// <summary>A page for a refusal (403, 404, 410): what happened, and the way home. No script.</summary>
    public static string StatusPage(HttpContext context, string title, string message)
    {
        var assets = context.RequestServices.GetRequiredService<WebAssets>();
        var html = System.Text.Encodings.Web.HtmlEncoder.Default;
        return $"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{html.Encode(title)} · RecoveryAssist</title><link rel="stylesheet" href="{assets.Url("site.css")}"></head>
            <body><main id="main" class="narrow"><h1>{html.Encode(title)}</h1>
            <p>{html.Encode(message)}</p>
            <p><a href="/">Back to the start page</a></p></main></body></html>
            """;
    }
}

/// <summary>
/// A browser asking for a page is sent to the sign-in page rather than answered 401; one with a one-time
/// password is sent to the password page rather than answered 403, and any other refusal is a page.
/// </summary>
internal sealed class PageChallenge : IBrowserChallenge
{
    public Task<bool> ChallengeAsync(HttpContext context)
    {
        if (!WebSetup.IsPage(context.Request))
            return Task.FromResult(false);
        context.Response.Redirect("/login?returnUrl=" + ReturnUrl(context.Request));
        return Task.FromResult(true);
    }

    public async Task<bool> ForbidAsync(HttpContext context)
    {
        if (!WebSetup.IsPage(context.Request))
            return false;
        // A one-time password holds back every permission: the way on is to change it.
        if (context.User.HasClaim(Permissions.MustChangePasswordClaim, "true"))
            context.Response.Redirect("/password?returnUrl=" + ReturnUrl(context.Request));
        else if (context.User.HasClaim(Permissions.TotpEnrolmentClaim, "true"))
            context.Response.Redirect("/totp");
        else
            await WebSetup.Forbidden(context).ConfigureAwait(false);
        return true;
    }

    private static string ReturnUrl(HttpRequest request) => Uri.EscapeDataString(request.Path + request.QueryString);
}

/// <summary>
/// A person with a one-time password goes to the password page first. A refusal a page did not handle itself (an unknown id, a gone session) becomes a page with its status, not JSON.
/// </summary>
internal sealed class RefusalPageFilter : Microsoft.AspNetCore.Mvc.Filters.IAsyncPageFilter
{
    public Task OnPageHandlerSelectionAsync(Microsoft.AspNetCore.Mvc.Filters.PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(Microsoft.AspNetCore.Mvc.Filters.PageHandlerExecutingContext context, Microsoft.AspNetCore.Mvc.Filters.PageHandlerExecutionDelegate next)
    {
        // Until a one-time password is replaced, the only pages are the change itself and signing out.
        var page = context.ActionDescriptor.ViewEnginePath;
        if (context.HttpContext.User.HasClaim(Auth.Permissions.MustChangePasswordClaim, "true") && page is not ("/Password" or "/Logout" or "/Login"))
        {
            context.Result = new Microsoft.AspNetCore.Mvc.RedirectResult("/password?returnUrl=" + Uri.EscapeDataString(context.HttpContext.Request.Path + context.HttpContext.Request.QueryString));
            return;
        }
        // A required second factor not yet enrolled: likewise, only its enrolment.
        if (context.HttpContext.User.HasClaim(Auth.Permissions.TotpEnrolmentClaim, "true") && page is not ("/Totp" or "/Password" or "/Logout" or "/Login"))
        {
            context.Result = new Microsoft.AspNetCore.Mvc.RedirectResult("/totp");
            return;
        }
        var executed = await next().ConfigureAwait(false);
        if (executed.Exception is Hosting.ProblemException problem && !executed.ExceptionHandled)
        {
            executed.ExceptionHandled = true;
            var title = problem.Status switch
            {
                404 => "Not found",
                410 => "Gone",
                403 => "Not allowed",
                _ => "Refused",
            };
            executed.Result = new Microsoft.AspNetCore.Mvc.ContentResult
            {
                StatusCode = problem.Status,
                ContentType = "text/html; charset=utf-8",
                Content = WebSetup.StatusPage(context.HttpContext, title, problem.Message),
            };
        }
    }
}

/// <summary>The console's static files, embedded in the appliance and addressed by their content hash.</summary>
internal sealed class WebAssets
{
    private readonly Dictionary<string, Asset> _assets = new(StringComparer.Ordinal);

    public WebAssets()
    {
        Add("site.css", "text/css; charset=utf-8");
        Add("site.js", "text/javascript; charset=utf-8");
    }

    public Asset? Find(string name) => _assets.GetValueOrDefault(name);

    public string Url(string name) => $"/assets/{_assets[name].Version}/{name}";

    private void Add(string name, string contentType)
    {
        using var stream = typeof(WebAssets).Assembly.GetManifestResourceStream("web/" + name)
            ?? throw new InvalidOperationException($"The embedded asset web/{name} is missing from the build.");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var content = buffer.ToArray();
        _assets[name] = new Asset(Convert.ToHexStringLower(SHA256.HashData(content))[..12], content, contentType);
    }

    internal sealed record Asset(string Version, byte[] Content, string ContentType);
}
