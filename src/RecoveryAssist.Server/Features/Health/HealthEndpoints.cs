using RecoveryAssist.Server.Storage;

namespace RecoveryAssist.Server.Features.Health;

internal static class HealthEndpoints
{
    public static void MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", (AppDatabase database) => database.IsOpen()
            ? Results.Ok(new { status = "ok" })
            : Results.Json(new { status = "store unavailable" }, statusCode: StatusCodes.Status503ServiceUnavailable))
            .WithTags("Health").AllowAnonymous();
    }
}
