using RecoveryAssist.Server.Features.Auth;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Hosting;

namespace RecoveryAssist.Server.Features.HostOps;

internal sealed record StepView(StepKind Kind, StepState State, int Attempts, DateTime? Started, DateTime? Finished, string? Output, string? Message)
{
    public static StepView From(StepRecord s) => new(s.Kind, s.State, s.Attempts, s.Started, s.Finished, s.Output, s.Message);
}

internal sealed record JobView(
    Guid Id,
    JobKind Kind,
    Guid HostId,
    string HostName,
    Guid? SessionId,
    JobState State,
    string RequestedBy,
    DateTime Created,
    DateTime? Started,
    DateTime? Finished,
    DateTime? NextAttemptAt,
    bool CancelRequested,
    string? Error,
    string? Attention,
    IReadOnlyList<StepView> Steps)
{
    public static JobView From(JobRecord j) => new(
        j.Id, j.Kind, j.HostId, j.HostName, j.SessionId, j.State, j.RequestedBy, j.Created, j.Started, j.Finished,
        j.NextAttemptAt, j.CancelRequested, j.Error, j.Attention, j.Steps.Select(StepView.From).ToList());
}

internal sealed record StartJobRequest(Guid? SessionId = null);

internal static class HostOpsEndpoints
{
    public const int MaxPageSize = 1000;

    public static void MapHostOpsEndpoints(this IEndpointRouteBuilder app)
    {
        var hosts = app.MapGroup("/api/hosts").WithTags("Host operations");
        hosts.MapGet("/{id:guid}/ssh", (Guid id, HostSshAccess access, EscrowService escrow) =>
        {
            escrow.GetHost(id);
            return SshAccessView.From(access.Find(id) ?? throw ProblemException.NotFound("The host's SSH access"));
        }).RequirePermission(Permission.HostsRead);
        hosts.MapPut("/{id:guid}/ssh", (Guid id, SshAccessInput input, HostSshAccess access, HttpContext context) =>
            SshAccessView.From(access.Set(id, input, context.Actor()))).RequirePermission(Permission.HostsCredentials);
        hosts.MapPost("/{id:guid}/ssh/repin", (Guid id, RepinInput input, HostSshAccess access, HttpContext context) =>
            SshAccessView.From(access.Repin(id, input.Fingerprint, context.Actor()))).RequirePermission(Permission.HostKeysPin);
        hosts.MapPost("/{id:guid}/collect", (Guid id, HostOpsService service, HttpContext context) =>
            Accepted(service.Start(JobKind.Collect, id, null, context.Actor()))).RequirePermission(Permission.HostsOperate);
        hosts.MapPost("/{id:guid}/rotate", (Guid id, HostOpsService service, HttpContext context) =>
            Accepted(service.Start(JobKind.Rotate, id, null, context.Actor()))).RequirePermission(Permission.HostsOperate);
        hosts.MapPost("/{id:guid}/post-recovery", (Guid id, StartJobRequest? request, HostOpsService service, HttpContext context) =>
            Accepted(service.Start(JobKind.PostRecovery, id, request?.SessionId, context.Actor()))).RequirePermission(Permission.HostsOperate);

        app.MapPost("/api/collect", (HostOpsService service, HttpContext context) =>
            service.CollectAll(context.Actor()).Select(JobView.From)).WithTags("Host operations").RequirePermission(Permission.HostsOperate);

        var jobs = app.MapGroup("/api/jobs").WithTags("Jobs");
        jobs.MapGet("/", (HostOpsService service, Guid? host, string? state, int? skip, int? take) =>
        {
            JobState? parsed = state is null ? null
                : Enum.TryParse<JobState>(state, ignoreCase: true, out var s) ? s
                : throw ProblemException.BadRequest("invalid-state", "state: expected pending, running, needsPerson, succeeded, failed or cancelled.");
            return service.List(host, parsed, Math.Max(skip ?? 0, 0), Math.Clamp(take ?? 100, 1, MaxPageSize)).Select(JobView.From);
        }).RequirePermission(Permission.HostsRead);
        jobs.MapGet("/{id:guid}", (Guid id, HostOpsService service) => JobView.From(service.Get(id))).RequirePermission(Permission.HostsRead);
        jobs.MapPost("/{id:guid}/cancel", (Guid id, HostOpsService service, HttpContext context) =>
            JobView.From(service.Cancel(id, context.Actor()))).RequirePermission(Permission.HostsOperate);
        jobs.MapPost("/{id:guid}/retry", (Guid id, HostOpsService service, HttpContext context) =>
            Accepted(service.Retry(id, context.Actor()))).RequirePermission(Permission.HostsOperate);
        jobs.MapPost("/{id:guid}/resume", (Guid id, HostOpsService service, HttpContext context) =>
            Accepted(service.Resume(id, context.Actor()))).RequirePermission(Permission.HostsOperate);
    }

    private static IResult Accepted(JobRecord job) => Results.Accepted($"/api/jobs/{job.Id}", JobView.From(job));
}
