using RecoveryAssist.Server.Features.Auth;
using RecoveryAssist.Server.Hosting;

namespace RecoveryAssist.Server.Features.Backup;

/// <param name="Passphrase">Seal under this passphrase (the KEK travels inside) instead of the KEK.</param>
internal sealed record BackupRequest(string? Passphrase)
{
    public override string ToString() => $"BackupRequest {{ Passphrase = {(Passphrase is null ? "none" : "[redacted]")} }}";
}

internal static class BackupEndpoints
{
    public const string Path = "/api/admin/backup";

    public static void MapBackupEndpoints(this IEndpointRouteBuilder app)
    {
        // POST: a backup is an action (audited), and its passphrase travels in the body, never in a URL.
        app.MapPost(Path, (HttpContext context, BackupService backups, BackupRequest? request) =>
        {
            if (request?.Passphrase is { } passphrase && BackupKey.DescribeWeakPassphrase(passphrase) is { } weak)
                throw ProblemException.BadRequest("weak-passphrase", weak + ".");
            Directory.CreateDirectory(backups.WorkPath);
            // Sealed into a work file first: the response streams from it, and it is deleted when the stream closes.
            var file = new FileStream(System.IO.Path.Combine(backups.WorkPath, Guid.NewGuid().ToString("N") + BackupService.FileExtension),
                BackupArchive.PrivateFile(FileMode.CreateNew, FileAccess.ReadWrite, FileOptions.DeleteOnClose));
            try
            {
                var header = backups.Write(file, request?.Passphrase, context.Actor());
                file.Position = 0;
                return Results.Stream(file, "application/octet-stream", BackupService.FileName(header.CreatedAt));
            }
            catch
            {
                file.Dispose();
                throw;
            }
        }).RequirePermission(Permission.BackupCreate).WithTags("Backup");
    }
}
