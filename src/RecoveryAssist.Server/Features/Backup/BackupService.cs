using RecoveryAssist.Server.Features.Audit;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Hosting;
using RecoveryAssist.Server.Storage;

namespace RecoveryAssist.Server.Features.Backup;

/// <summary>
/// Writes a backup of the running appliance: a consistent copy of the store (taken under its write lock,
/// after a checkpoint), then sealed outside the lock, so writers wait only for the file copy. Audited as
/// <c>backup.created</c>; failures are logged and counted (<see cref="BackupStatus"/>).
/// </summary>
internal sealed partial class BackupService(AppStore store, AuditLog audit, BackupStatus status, TimeProvider time, ILogger<BackupService> logger)
{
    /// <summary>Work files of backups in progress, inside the data directory (same file system, same protection).</summary>
    public const string WorkDirectory = "backup-work";

    public const string FileExtension = ".rabackup";

    public string WorkPath => Path.Combine(store.DataDirectory, WorkDirectory);

    /// <summary>Seals a backup into <paramref name="output"/>; <paramref name="passphrase"/> null seals it under the KEK.</summary>
    /// <returns>The backup's header (what it is sealed under, when it was made).</returns>
    public BackupHeader Write(Stream output, string? passphrase, Actor actor) => Counted(() => WriteUncounted(output, passphrase, actor));

    /// <summary>Writes a KEK-sealed backup into <paramref name="directory"/> (a work name, renamed when whole).</summary>
    public string WriteFile(string directory, Actor actor) => Counted(() =>
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName(time.GetUtcNow()));
        var partial = path + ".partial";
        try
        {
            using (var output = new FileStream(partial, BackupArchive.PrivateFile(FileMode.CreateNew)))
            {
                WriteUncounted(output, passphrase: null, actor);
                output.Flush(flushToDisk: true);
            }
            File.Move(partial, path);
            return path;
        }
        finally
        {
            File.Delete(partial);
        }
    });

    private BackupHeader WriteUncounted(Stream output, string? passphrase, Actor actor)
    {
        var work = BackupArchive.PrivateDirectory(Path.Combine(WorkPath, Guid.NewGuid().ToString("N")));
        try
        {
            var snapshot = Path.Combine(work, AppDatabase.FileName);
            store.Database.SnapshotTo(snapshot);
            var (header, key) = BackupArchive.NewKey(store.Kek, passphrase, time.GetUtcNow());
            using (key)
            {
                BackupArchive.Write(output, header, key, snapshot, Path.Combine(store.DataDirectory, AppHost.CookieKeysDirectory),
                    passphrase is null ? null : store.Kek);
            }
            audit.Append(new AuditEntry(actor.Name, "backup.created", "store", AuditEntry.Success, actor.ClientAddress,
                $"sealed under {(passphrase is null ? $"KEK {store.Kek.Id}" : "a passphrase (KEK included)")}; store {new FileInfo(snapshot).Length} bytes"));
            status.Succeeded(header.CreatedAt);
            LogCreated(logger, header.Protection, actor.Name);
            return header;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>A failure is logged and counted (the failures metric), then passed on.</summary>
    private T Counted<T>(Func<T> backup)
    {
        try
        {
            return backup();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or LiteDB.LiteException or BackupException)
        {
            status.Failed();
            LogFailed(logger, e.Message);
            throw;
        }
    }

    public static string FileName(DateTimeOffset at) => $"recoveryassist-{at.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}{FileExtension}";

    /// <summary>Removes work files left by a backup that a crash interrupted.</summary>
    public void RemoveLeftovers()
    {
        if (Directory.Exists(WorkPath))
            Directory.Delete(WorkPath, recursive: true);
    }

    [LoggerMessage(EventId = 9100, Level = LogLevel.Information, Message = "Backup written, sealed under the {Protection}, for {Actor}")]
    private static partial void LogCreated(ILogger logger, string protection, string actor);

    [LoggerMessage(EventId = 9101, Level = LogLevel.Error, Message = "Backup failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason);
}
