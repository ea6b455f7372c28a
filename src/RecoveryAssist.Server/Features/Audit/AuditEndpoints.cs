using RecoveryAssist.Server.Features.Auth;

namespace RecoveryAssist.Server.Features.Audit;

internal static class AuditEndpoints
{
    public const int MaxPageSize = 1000;

    public static void MapAuditEndpoints(this IEndpointRouteBuilder app)
    {
        var audit = app.MapGroup("/api/audit").WithTags("Audit").RequirePermission(Permission.AuditRead);
        audit.MapGet("/", (AuditLog log, long? after, int? take, string? target) =>
            log.Read(Math.Max(after ?? 0, 0), Math.Clamp(take ?? 100, 1, MaxPageSize), target));
        audit.MapGet("/verify", (AuditLog log) =>
        {
            var problem = log.Verify();
            return Results.Ok(new { intact = problem is null, records = log.Count, firstProblem = problem });
        });
    }
}
