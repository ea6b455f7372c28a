using RecoveryAssist.Server.Features.Auth;
using RecoveryAssist.Server.Hosting;

namespace RecoveryAssist.Server.Features.Alerts;

internal static class AlertEndpoints
{
    public const int MaxPageSize = 1000;

    public static void MapAlertEndpoints(this IEndpointRouteBuilder app)
    {
        var alerts = app.MapGroup("/api/alerts").WithTags("Alerts");
        alerts.MapGet("/", (AlertService service, string? state, string? kind, Guid? host, int? skip, int? take) =>
        {
            var errors = new List<string>();
            AlertState? parsedState = null;
            if (state is not null)
            {
                if (Enum.TryParse<AlertState>(state, ignoreCase: true, out var s) && Enum.IsDefined(s))
                    parsedState = s;
                else
                    errors.Add("state: expected open, acknowledged or resolved");
            }
            AlertKind? parsedKind = null;
            if (kind is not null)
            {
                if (AlertCatalog.TryParseKind(kind, out var k))
                    parsedKind = k;
                else
                    errors.Add("kind: expected one of " + string.Join(", ", Enum.GetValues<AlertKind>().Select(AlertCatalog.Name)));
            }
            if (errors.Count > 0)
                throw ProblemException.BadRequest("invalid-query", string.Join("; ", errors) + ".");
            return service.List(new AlertQuery(parsedState, parsedKind, host), Math.Max(skip ?? 0, 0), Math.Clamp(take ?? 100, 1, MaxPageSize)).Select(AlertView.From);
        }).RequirePermission(Permission.HostsRead);
        alerts.MapGet("/{id:guid}", (Guid id, AlertService service) => Call(() => AlertView.From(service.Get(id)))).RequirePermission(Permission.HostsRead);
        alerts.MapPost("/{id:guid}/ack", (Guid id, AlertNoteInput? input, AlertService service, HttpContext context) =>
            Call(() => AlertView.From(service.Acknowledge(id, context.Actor(), input?.Note)))).RequirePermission(Permission.HostsOperate);
        alerts.MapPost("/{id:guid}/resolve", (Guid id, AlertNoteInput? input, AlertService service, HttpContext context) =>
            Call(() => AlertView.From(service.Resolve(id, context.Actor(), input?.Note)))).RequirePermission(Permission.HostsOperate);
    }

    /// <summary>Alerts' refusals, mapped to HTTP in one place.</summary>
    internal static T Call<T>(Func<T> work)
    {
        try
        {
            return work();
        }
        catch (KeyNotFoundException)
        {
            throw ProblemException.NotFound("The alert");
        }
        catch (AlertRefusedException e) when (e.Code.StartsWith("invalid", StringComparison.Ordinal))
        {
            throw ProblemException.BadRequest(e.Code, e.Message);
        }
        catch (AlertRefusedException e)
        {
            throw ProblemException.Conflict(e.Code, e.Message);
        }
    }
}
