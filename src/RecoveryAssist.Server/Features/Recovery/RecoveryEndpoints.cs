using System.Security.Claims;
using System.Text;
using Microsoft.Extensions.Options;
using RecoveryAssist.Core.Keys;
using RecoveryAssist.Core.Qr;
using RecoveryAssist.Server.Features.Auth;
using RecoveryAssist.Server.Hosting;

namespace RecoveryAssist.Server.Features.Recovery;

/// <summary>
/// Sessions over HTTP. Every route needs sessions:read at the policy layer; the permission an action
/// needs beyond that (open, approve, reveal) is checked here, so that a refusal for the wrong role is
/// audited like every other refusal. Every answer carries <c>Cache-Control: no-store</c>.
/// </summary>
internal static class RecoveryEndpoints
{
    public const int MaxPageSize = 1000;

    public static void MapRecoveryEndpoints(this IEndpointRouteBuilder app)
    {
        var sessions = app.MapGroup("/api/sessions").WithTags("Recovery sessions")
            .RequirePermission(Permission.SessionsRead)
            .AddEndpointFilter(NoStore);

        sessions.MapGet("/", (RecoverySessionService service, Guid? hostId, bool? open, int? skip, int? take) =>
            service.List(hostId, open ?? false, Math.Max(skip ?? 0, 0), Math.Clamp(take ?? 100, 1, MaxPageSize)).Select(SessionView.From));

        sessions.MapPost("/", (OpenSessionRequest? request, RecoverySessionService service, HttpContext context) =>
        {
            var by = Require(context, service, Permission.SessionsOpen, Guid.Empty, "session.open");
            request ??= new OpenSessionRequest();
            var session = service.Open(request.Host, request.HostId, request.Reason, request.Ticket, request.Path, by);
            return Results.Created($"/api/sessions/{session.Id}", SessionView.From(session));
        });

        sessions.MapGet("/{id:guid}", (Guid id, RecoverySessionService service) => SessionView.From(service.Get(id)));

        sessions.MapPost("/{id:guid}/approve", (Guid id, RecoverySessionService service, HttpContext context) =>
            SessionView.From(service.Approve(id, Require(context, service, Permission.SessionsApprove, id, "session.approve"))));

        sessions.MapPost("/{id:guid}/reveal", (Guid id, RevealRequest? request, RecoverySessionService service, HttpContext context) =>
        {
            var by = Require(context, service, Permission.KeysReveal, id, "session.reveal");
            return RevealResponse.From(service.Reveal(id, by, "json", request?.Host));
        });

        sessions.MapPost("/{id:guid}/qr", (Guid id, QrRequest? request, RecoverySessionService service, IOptions<RecoveryOptions> options, HttpContext context) =>
        {
            var by = Require(context, service, Permission.KeysReveal, id, "session.reveal");
            request ??= new QrRequest();
            var (svg, part, payloadOptions, pixels) = ParseQr(request, options.Value, service, id, by);
            var revealed = service.Reveal(id, by, svg ? "qr-svg" : "qr-png", request.Host);
            var payload = QrPayload.ForPart(revealed.Key, part, payloadOptions);
            context.Response.Headers["X-Qr-Part"] = $"{payload.Part}/{payload.Parts}";
            return svg
                ? Results.Text(QrImage.Svg(payload), "image/svg+xml", Encoding.UTF8)
                : Results.Bytes(QrImage.Png(payload, pixels), "image/png");
        });

        sessions.MapPost("/{id:guid}/check", (Guid id, EntryCheckRequest? request, RecoverySessionService service, HttpContext context) =>
        {
            var by = Require(context, service, Permission.KeysReveal, id, "session.entry-check");
            return service.CheckEntry(id, by, request?.Typed);
        });

        sessions.MapPost("/{id:guid}/host-up", (Guid id, RecoverySessionService service, HttpContext context) =>
            SessionView.From(service.ReportHostUp(id, Require(context, service, Permission.SessionsOpen, id, "session.host-up"))));

        sessions.MapPost("/{id:guid}/close", (Guid id, RecoverySessionService service, HttpContext context) =>
            SessionView.From(service.Close(id, Require(context, service, Permission.SessionsOpen, id, "session.close"))));

        sessions.MapPost("/{id:guid}/cancel", (Guid id, CancelRequest? request, RecoverySessionService service, HttpContext context) =>
            SessionView.From(service.Cancel(id, Require(context, service, Permission.SessionsOpen, id, "session.cancel"), request?.Reason)));
    }

    /// <summary>Key material and session state must never sit in a browser or proxy cache.</summary>
    private static ValueTask<object?> NoStore(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var headers = invocation.HttpContext.Response.Headers;
        headers.CacheControl = "no-store";
        headers.Pragma = "no-cache";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XContentTypeOptions = "nosniff";
        return next(invocation);
    }

    /// <summary>Refuses, audited, a caller whose role or token lacks <paramref name="permission"/>. The console page uses it too.</summary>
    internal static Person Require(HttpContext context, RecoverySessionService service, Permission permission, Guid sessionId, string action)
    {
        var by = Person.Of(context);
        if (!context.User.HasClaim(Permissions.ClaimType, Permissions.ScopeName(permission)))
        {
            service.Deny(sessionId, by, action, new SessionRefusal(RefusalKind.Forbidden, "wrong-role",
                $"Your role or token does not grant {Permissions.ScopeName(permission)}, which this needs."));
        }
        return by;
    }

    private static (bool Svg, int Part, QrPayloadOptions Options, int Pixels) ParseQr(QrRequest request, RecoveryOptions options, RecoverySessionService service, Guid id, Person by)
    {
        var errors = new List<string>();
        var format = request.Format?.Trim().ToLowerInvariant() ?? "png";
        if (format is not ("png" or "svg"))
            errors.Add("format: expected png or svg");
        var part = request.Part ?? 0;
        if (part is < 0 or > 2)
            errors.Add("part: expected 0 (one code), 1 or 2 (two codes)");
        var enter = ParseEnter(request.Enter);
        if (enter is null)
            errors.Add("enter: expected none, lf or cr");
        var pixels = request.PixelsPerModule ?? options.QrPixelsPerModule;
        if (pixels is < QrImage.MinPixelsPerModule or > QrImage.MaxPixelsPerModule)
            errors.Add($"pixelsPerModule: expected {QrImage.MinPixelsPerModule} to {QrImage.MaxPixelsPerModule}");
        if (errors.Count > 0)
            service.Deny(id, by, "session.reveal", new SessionRefusal(RefusalKind.BadRequest, "invalid-qr", string.Join("; ", errors) + "."));
        return (format == "svg", part, new QrPayloadOptions(request.LeadingSpace ?? true, enter ?? QrEnter.None), pixels);
    }

    internal static QrEnter? ParseEnter(string? enter) => enter?.Trim().ToLowerInvariant() switch
    {
        null or "" or "none" => QrEnter.None,
        "lf" or "\\n" => QrEnter.LineFeed,
        "cr" or "\\r" or "enter" => QrEnter.CarriageReturn,
        _ => null,
    };
}
