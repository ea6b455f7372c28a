using System.Text;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using RecoveryAssist.Server.Features.Auth;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Features.Recovery;
using RecoveryAssist.Server.Hosting;

namespace RecoveryAssist.Server.Features.Boot;

/// <summary>
/// The boot flow over HTTP. <c>/boot/...</c> is what iPXE and the ESXi boot loader fetch: anonymous,
/// because firmware has no credentials; nothing there returns a key except the one-time boot.cfg URL.
/// <c>/api/boot/...</c> is for people and automation.
/// </summary>
internal static class BootEndpoints
{
    public const string ScriptContentType = "text/plain; charset=us-ascii";
    public const int MaxPageSize = 1000;

    public static void MapBootEndpoints(this IEndpointRouteBuilder app)
    {
        var boot = app.MapGroup("/boot").WithTags("Network boot").AllowAnonymous().ExcludeFromDescription()
            .RequireRateLimiting(RateLimitPolicy)
            .AddEndpointFilter(AllowedClientsOnly);

        boot.MapGet("/bootstrap.ipxe", (HttpContext context, BootScripts scripts, IOptions<BootOptions> options) =>
        {
            NoStore(context);
            try
            {
                return Results.Text(scripts.Bootstrap(BaseUrl(context, options.Value)), ScriptContentType);
            }
            catch (ScriptValueException e)
            {
                throw ProblemException.BadRequest("invalid-host", "The request's Host cannot be placed in an iPXE script (" + e.Message + "); set RecoveryAssist:Boot:PublicBaseUrl.");
            }
        });

        boot.MapGet("/script.ipxe", (HttpContext context, BootService service, IOptions<BootOptions> options,
            string? mac, string? uuid, string? serial, string? platform, string? arch) =>
        {
            NoStore(context);
            return Results.Bytes(service.Script(mac, uuid, serial, platform, arch, context.ClientAddress(), SafeBaseUrl(context, options.Value)), ScriptContentType);
        });

        // The token is part of the path because mboot takes only a URL. Request logging of the
        // hosting layer is held at Warning (AppHost) so the path never reaches a log.
        boot.MapGet("/cfg/{token}/boot.cfg", (string token, HttpContext context, BootService service, IOptions<BootOptions> options) =>
        {
            NoStore(context);
            var result = service.BootCfg(token, context.ClientAddress(), SafeBaseUrl(context, options.Value));
            return result.Text is { } text
                ? Results.Text(text, "text/plain; charset=us-ascii")
                : Results.Text(result.Reason + "\n", "text/plain; charset=utf-8", statusCode: result.Status);
        });

        boot.MapGet("/images/{id}/{**path}", (string id, string path, BootImages images) =>
            images.OpenRead(id, path) is { } file
                ? Results.Stream(file, "application/octet-stream", enableRangeProcessing: true)
                : Results.NotFound());

        var api = app.MapGroup("/api/boot").WithTags("Network boot");
        api.MapGet("/checkins", (BootService service, bool? unbound, int? skip, int? take) =>
            service.ListCheckIns(unbound ?? false, Math.Max(skip ?? 0, 0), Math.Clamp(take ?? 100, 1, MaxPageSize)).Select(CheckInView.From))
            .RequirePermission(Permission.HostsRead);
        api.MapPost("/checkins/{mac}/bind", (string mac, BindRequest request, BootService service, HttpContext context) =>
            HostView.From(service.Bind(mac, request, context.Actor()))).RequirePermission(Permission.HostsWrite);
        api.MapGet("/images", (BootImages images) => images.List().Select(BootImageView.From)).RequirePermission(Permission.HostsRead);
        api.MapPost("/images", (RegisterImageRequest request, BootImages images, HttpContext context) =>
        {
            var image = images.Register(request, context.Actor());
            return Results.Created($"/api/boot/images/{image.Id}", BootImageView.From(image));
        }).RequirePermission(Permission.BootManage);
        api.MapPost("/images/{id}/iso", async (string id, HttpContext context, IsoImageImport import, IOptions<BootOptions> options) =>
        {
            // An installer ISO is far larger than any other request: this endpoint alone gets its own bound.
            if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
                limit.MaxRequestBodySize = (long)options.Value.MaxIsoMegabytes << 20;
            var image = await import.ImportAsync(id, context.Request.Body, context.Actor(), context.RequestAborted);
            return Results.Created($"/api/boot/images/{image.Id}", BootImageView.From(image));
        }).RequirePermission(Permission.BootManage);
        api.MapGet("/sessions/{id:guid}/arm", (Guid id, BootService service) =>
            service.GetArming(id) is { } arming ? Results.Ok(ArmingView.From(arming)) : Results.NotFound())
            .RequirePermission(Permission.SessionsRead);
        api.MapPost("/sessions/{id:guid}/arm", (Guid id, ArmRequest? request, BootService service, HttpContext context) =>
            ArmingView.From(service.Arm(id, request ?? new ArmRequest(), Person.Of(context)))).RequirePermission(Permission.SessionsOpen);
        api.MapDelete("/sessions/{id:guid}/arm", (Guid id, BootService service, HttpContext context) =>
            ArmingView.From(service.Disarm(id, Person.Of(context)))).RequirePermission(Permission.SessionsOpen);
    }

    /// <summary>The per-source-address rate limit of every anonymous /boot/* request.</summary>
    public const string RateLimitPolicy = "boot";

    /// <summary>The provisioning side answers only clients in <see cref="BootOptions.AllowedNetworks"/>; the refusal names nothing.</summary>
    private static async ValueTask<object?> AllowedClientsOnly(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var context = invocation.HttpContext;
        var allowed = context.RequestServices.GetRequiredService<AllowedNetworks>();
        if (!allowed.Contains(context.Connection.RemoteIpAddress))
        {
            context.RequestServices.GetRequiredService<BootService>().RefuseClient(context.ClientAddress(), context.Request.Path.Value ?? "");
            NoStore(context);
            return Results.Text("This network may not boot from this appliance.\n", "text/plain; charset=utf-8", statusCode: StatusCodes.Status403Forbidden);
        }
        return await next(invocation).ConfigureAwait(false);
    }

    /// <summary>The appliance's URL as this client reaches it: the configured one, else the request's own.</summary>
    public static string BaseUrl(HttpContext context, BootOptions options) =>
        ScriptValue.Url("base", options.PublicBaseUrl?.TrimEnd('/') ?? $"http://{context.Request.Host.Value}").Text;

    private static string SafeBaseUrl(HttpContext context, BootOptions options)
    {
        try
        {
            return BaseUrl(context, options);
        }
        catch (ScriptValueException)
        {
            // The script renderer refuses it again and answers with a local boot.
            return "http://invalid";
        }
    }

    private static void NoStore(HttpContext context)
    {
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.Pragma = "no-cache";
    }
}

internal static class BootServices
{
    public static IServiceCollection AddBoot(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<BootOptions>().Bind(configuration.GetSection(BootOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<BootOptions>, BootOptionsValidator>();
        services.AddSingleton<IpxeTemplates>();
        services.AddSingleton<BootScripts>();
        services.AddSingleton<HostDirectory>();
        services.AddSingleton<BootImages>();
        services.AddSingleton<IsoImageImport>();
        services.AddHostedService(sp => sp.GetRequiredService<IsoImageImport>());
        services.AddSingleton<IArmableSessions, RecoverySessionsAdapter>();
        services.AddSingleton<BootService>();
        services.AddSingleton<AnonymousEvents>();
        services.AddSingleton(sp => new AllowedNetworks(sp.GetRequiredService<IOptions<BootOptions>>().Value.ParsedAllowedNetworks));
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(BootEndpoints.RateLimitPolicy, context =>
            {
                var perMinute = context.RequestServices.GetRequiredService<IOptions<BootOptions>>().Value.RequestsPerMinute;
                return RateLimitPartition.GetTokenBucketLimiter(context.ClientAddress() ?? "?", _ => BootOptions.PerSourceBucket(perMinute));
            });
        });
        services.AddSingleton<BootTftpHost>();
        services.AddHostedService(sp => sp.GetRequiredService<BootTftpHost>());
        return services;
    }
}

/// <summary>The CIDRs of <see cref="BootOptions.AllowedNetworks"/>, parsed once.</summary>
internal sealed class AllowedNetworks(IReadOnlyList<System.Net.IPNetwork> networks)
{
    public bool Contains(System.Net.IPAddress? address) =>
        address is not null && networks.Any(n => n.Contains(Network.ListenSides.Normalize(address)));
}
