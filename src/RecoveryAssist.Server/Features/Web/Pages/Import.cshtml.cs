using System.Text;
using Microsoft.AspNetCore.Mvc;
using RecoveryAssist.Server.Features.Auth;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Hosting;

namespace RecoveryAssist.Server.Features.Web.Pages;

[Requires(Permission.KeysImport)]
internal sealed class ImportModel(EscrowService escrow) : WebPage
{
    public string? Host { get; private set; }

    public ImportResult? Single { get; private set; }

    public BulkImportResponse? Bulk { get; private set; }

    public void OnGet()
    {
    }

    public void OnPostEsxcli(string? host, string? output)
    {
        Host = host;
        Try(() =>
        {
            var target = escrow.FindByName(host ?? "") ?? throw ProblemException.NotFound($"The host '{host}'");
            Single = escrow.ImportForHost(target.Id, output ?? "", null, KeySource.Imported, Actor);
        });
    }

    public async Task OnPostPowerCliAsync(IFormFile? csv)
    {
        if (csv is null)
        {
            Error = "Choose the CSV file to upload.";
            return;
        }
        using var reader = new StreamReader(csv.OpenReadStream(), Encoding.UTF8);
        var text = await reader.ReadToEndAsync(HttpContext.RequestAborted);
        try
        {
            Bulk = escrow.ImportPowerCli(text, Actor);
        }
        catch (ProblemException e)
        {
            Error = e.Message;
            Response.StatusCode = e.Status;
            // A refusal of the whole file carries the per-line results as the API gives them.
            Bulk = e.Extensions as BulkImportResponse;
        }
    }
}
