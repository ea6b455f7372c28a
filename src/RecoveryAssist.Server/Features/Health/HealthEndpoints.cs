using RecoveryAssist.Server.Features.Audit;
using RecoveryAssist.Server.Storage;

namespace RecoveryAssist.Server.Features.Health;

internal static class HealthEndpoints
{
    public static void MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        // Degraded is still 200: the appliance serves what works, and a monitor reads the reasons.
        app.MapGet("/healthz", (AppDatabase database, StoreIntegrity integrity) => !database.IsOpen()
            ? Results.Json(new { status = "store unavailable", reasons = integrity.Problems }, statusCode: StatusCodes.Status503ServiceUnavailable)
            : integrity.Problems is { Count: > 0 } problems
                ? Results.Ok(new { status = "degraded", reasons = problems })
                : Results.Ok(new { status = "ok" }))
            .WithTags("Health").AllowAnonymous();
    }
}
