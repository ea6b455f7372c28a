using System.Globalization;
using System.Text;
using RecoveryAssist.Server.Features.Auth;
using RecoveryAssist.Server.Hosting;

namespace RecoveryAssist.Server.Features.Policy;

internal static class PolicyEndpoints
{
    public static void MapPolicyEndpoints(this IEndpointRouteBuilder app)
    {
        var hosts = app.MapGroup("/api/hosts/{id:guid}/policy").WithTags("Policy");
        hosts.MapGet("/", (Guid id, PolicyService policy) => policy.Show(id)).RequirePermission(Permission.HostsRead);
        hosts.MapPost("/", (Guid id, PolicyChangeInput input, PolicyService policy, HttpContext context) =>
            Started(policy.Change(id, input, context.Actor(), MayForce(context)))).RequirePermission(Permission.PolicyManage);
        hosts.MapPost("/apply", (Guid id, PolicyChangeInput? input, PolicyService policy, HttpContext context) =>
            Started(policy.Apply(id, input ?? new PolicyChangeInput(), context.Actor(), MayForce(context)))).RequirePermission(Permission.PolicyManage);
        hosts.MapPut("/desired", (Guid id, DesiredPolicyInput input, PolicyService policy, HttpContext context) =>
            policy.SetDesired(DesiredScope.Host, null, id, input, context.Actor())).RequirePermission(Permission.PolicyManage);
        hosts.MapDelete("/desired", (Guid id, PolicyService policy, HttpContext context) =>
            Removed(() => policy.RemoveDesired(DesiredScope.Host, null, id, context.Actor()))).RequirePermission(Permission.PolicyManage);

        var desired = app.MapGroup("/api/policy/desired").WithTags("Policy");
        desired.MapGet("/", (PolicyService policy) => policy.ListDesired()).RequirePermission(Permission.HostsRead);
        desired.MapPut("/default", (DesiredPolicyInput input, PolicyService policy, HttpContext context) =>
            policy.SetDesired(DesiredScope.Default, null, null, input, context.Actor())).RequirePermission(Permission.PolicyManage);
        desired.MapDelete("/default", (PolicyService policy, HttpContext context) =>
            Removed(() => policy.RemoveDesired(DesiredScope.Default, null, null, context.Actor()))).RequirePermission(Permission.PolicyManage);
        desired.MapPut("/tags/{tag}", (string tag, DesiredPolicyInput input, PolicyService policy, HttpContext context) =>
            policy.SetDesired(DesiredScope.Tag, tag, null, input, context.Actor())).RequirePermission(Permission.PolicyManage);
        desired.MapDelete("/tags/{tag}", (string tag, PolicyService policy, HttpContext context) =>
            Removed(() => policy.RemoveDesired(DesiredScope.Tag, tag, null, context.Actor()))).RequirePermission(Permission.PolicyManage);

        app.MapGet("/api/reports/policy", (PolicyService policy, string? format, string? tag) => format?.ToLowerInvariant() switch
        {
            null or "json" => Results.Ok(policy.Report(tag)),
            "csv" => Results.Text(ReportCsv(policy.Report(tag)), "text/csv", Encoding.UTF8),
            _ => throw ProblemException.BadRequest("invalid-format", "format: expected json or csv."),
        }).WithTags("Reports").RequirePermission(Permission.ReportsRead);
    }

    private static IResult Removed(Action remove)
    {
        remove();
        return Results.NoContent();
    }

    private static bool MayForce(HttpContext context) =>
        context.User.HasClaim(Permissions.ClaimType, Permissions.ScopeName(Permission.PolicyForce));

    /// <summary>202 with the job when one started; 200 when there was nothing to change.</summary>
    private static IResult Started(PolicyChangeView view) =>
        view.Job is { } job ? Results.Accepted($"/api/jobs/{job.Id}", view) : Results.Ok(view);

    public const string CsvHeader =
        "host,compliant,next,mode,requireSecureBoot,requireExecInstalledOnly,execInstalledOnlyConfigured,execInstalledOnlyRuntime,"
        + "firmwareSecureBoot,tpmPresent,tpmVendor,esxiVersion,keyEscrowed,keyLastVerified,desired,findings,activeJob,"
        + "policySaved,savedMode,savedRequireSecureBoot,savedRequireExecInstalledOnly,savedExecInstalledOnlyConfigured\n";

    /// <summary>One row per host; findings as <c>code: problem</c> joined by <c> | </c>. The fact columns are what runs now; the saved* columns what the next boot has.</summary>
    public static string ReportCsv(PolicyReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var csv = new StringBuilder(CsvHeader);
        foreach (var h in report.Hosts)
        {
            var f = h.Facts;
            var desired = $"mode {h.Desired.Mode}; requireSecureBoot {PolicyText.OnOff(h.Desired.RequireSecureBoot)}; requireExecInstalledOnly {PolicyText.OnOff(h.Desired.RequireExecInstalledOnly)}";
            csv.AppendJoin(',',
                CsvCell.Of(h.HostName),
                Flag(h.Compliant),
                CsvCell.Of(h.Next),
                CsvCell.Of(f.Mode?.ToString().ToUpperInvariant()),
                Flag(f.RequireSecureBoot),
                Flag(f.RequireExecInstalledOnly),
                Flag(f.ExecInstalledOnlyConfigured),
                Flag(f.ExecInstalledOnlyRuntime),
                Flag(f.FirmwareSecureBoot),
                Flag(f.TpmPresent),
                CsvCell.Of(f.TpmVendor),
                CsvCell.Of(f.EsxiVersion),
                Flag(h.KeyEscrowed),
                h.KeyLastVerified?.ToString("O", CultureInfo.InvariantCulture) ?? "",
                CsvCell.Of(desired),
                CsvCell.Of(string.Join(" | ", h.Findings.Select(x => $"{x.Code}: {x.Problem}"))),
                h.ActiveJobId?.ToString() ?? "",
                Flag(h.PolicySaved),
                CsvCell.Of(h.Saved.Mode?.ToString().ToUpperInvariant()),
                Flag(h.Saved.RequireSecureBoot),
                Flag(h.Saved.RequireExecInstalledOnly),
                Flag(h.Saved.ExecInstalledOnlyConfigured));
            csv.Append('\n');
        }
        return csv.ToString();
    }

    private static string Flag(bool? value) => value switch
    {
        true => "true",
        false => "false",
        _ => "",
    };
}
