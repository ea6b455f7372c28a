using System.Globalization;
using System.Text;
using RecoveryAssist.Server.Features.Auth;
using RecoveryAssist.Server.Hosting;

namespace RecoveryAssist.Server.Features.Escrow;

internal sealed record ImportRequest(string Output, string? Format = null);

internal static class EscrowEndpoints
{
    public const int MaxPageSize = 1000;

    public static void MapEscrowEndpoints(this IEndpointRouteBuilder app)
    {
        var hosts = app.MapGroup("/api/hosts").WithTags("Hosts");
        hosts.MapGet("/", (EscrowService escrow, int? skip, int? take, string? tag) =>
        {
            var size = Math.Clamp(take ?? 100, 1, MaxPageSize);
            return escrow.ListHosts(Math.Max(skip ?? 0, 0), size, tag).Select(HostView.From);
        }).RequirePermission(Permission.HostsRead);
        hosts.MapGet("/find", (EscrowService escrow, string? name, string? mac, string? uuid, string? serial) =>
            escrow.Find(name, mac, uuid, serial).Select(HostView.From)).RequirePermission(Permission.HostsRead);
        hosts.MapGet("/{id:guid}", (Guid id, EscrowService escrow) => HostView.From(escrow.GetHost(id))).RequirePermission(Permission.HostsRead);
        hosts.MapPost("/", (HostInput input, EscrowService escrow, HttpContext context) =>
        {
            var host = escrow.CreateHost(input, context.Actor());
            return Results.Created($"/api/hosts/{host.Id}", HostView.From(host));
        }).RequirePermission(Permission.HostsWrite);
        hosts.MapPut("/{id:guid}", (Guid id, HostInput input, EscrowService escrow, HttpContext context) =>
            HostView.From(escrow.UpdateHost(id, input, context.Actor()))).RequirePermission(Permission.HostsWrite);
        hosts.MapGet("/{id:guid}/keys", (Guid id, EscrowService escrow) =>
        {
            escrow.GetHost(id);
            return escrow.KeyVersions(id).Select(KeyVersionView.From);
        }).RequirePermission(Permission.HostsRead);
        hosts.MapPost("/{id:guid}/import", (Guid id, ImportRequest request, EscrowService escrow, HttpContext context) =>
            escrow.ImportForHost(id, request.Output, EscrowService.ParseFormat(request.Format), KeySource.Imported, context.Actor()))
            .RequirePermission(Permission.KeysImport);

        var import = app.MapGroup("/api/import").WithTags("Import").RequirePermission(Permission.KeysImport);
        import.MapPost("/bulk", (BulkImportRequest request, EscrowService escrow, HttpContext context) =>
            escrow.BulkImport(request.Records ?? [], context.Actor()))
            .WithMetadata(new BulkRequestSize());
        import.MapPost("/powercli", async (HttpContext context, EscrowService escrow) =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var csv = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
            return escrow.ImportPowerCli(csv, context.Actor());
        }).Accepts<string>("text/csv").WithMetadata(new BulkRequestSize());

        var reports = app.MapGroup("/api/reports").WithTags("Reports").RequirePermission(Permission.ReportsRead);
        reports.MapGet("/coverage", (EscrowReports reports) => reports.Coverage());
        reports.MapGet("/export", (EscrowService escrow, string? format) => format?.ToLowerInvariant() switch
        {
            null or "json" => Results.Ok(escrow.ExportRows().Select(r => new
            {
                host = HostView.From(r.Host),
                keys = r.Versions.Select(KeyVersionView.From),
            })),
            "csv" => Results.Text(ExportCsv(escrow), "text/csv", Encoding.UTF8),
            _ => throw ProblemException.BadRequest("invalid-format", "format: expected json or csv."),
        });
    }

    /// <summary>One row per key version (a host with no key gets one row with empty key columns).</summary>
    private static string ExportCsv(EscrowService escrow)
    {
        var csv = new StringBuilder("host,managementAddress,serial,smbiosUuid,version,recoveryId,source,status,firstSeen,lastVerified\n");
        foreach (var (host, versions) in escrow.ExportRows())
        {
            var prefix = string.Join(',', CsvCell.Of(host.Name), CsvCell.Of(host.ManagementAddress), CsvCell.Of(host.Serial), CsvCell.Of(host.SmbiosUuid));
            if (versions.Count == 0)
                csv.Append(prefix).Append(",,,,,,\n");
            foreach (var v in versions)
            {
                csv.Append(prefix).Append(',')
                    .Append(v.Version.ToString(CultureInfo.InvariantCulture)).Append(',')
                    .Append(v.RecoveryId).Append(',')
                    .Append(v.Source).Append(',')
                    .Append(v.Status).Append(',')
                    .Append(v.FirstSeen.ToString("O", CultureInfo.InvariantCulture)).Append(',')
                    .Append(v.LastVerified.ToString("O", CultureInfo.InvariantCulture)).Append('\n');
            }
        }
        return csv.ToString();
    }
}

/// <summary>Marks endpoints whose body may be as large as <see cref="AppOptions.MaxBulkRequestBytes"/>.</summary>
internal sealed class BulkRequestSize;
