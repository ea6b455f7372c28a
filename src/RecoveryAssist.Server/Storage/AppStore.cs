using RecoveryAssist.Server.Features.Audit;
using RecoveryAssist.Server.Features.Secrets;

namespace RecoveryAssist.Server.Storage;

/// <summary>
/// The data directory opened: the key-encryption key, the password-protected store, and the audit
/// log over them. The server and the offline admin commands open it the same way.
/// </summary>
internal sealed class AppStore : IDisposable
{
    private AppStore(string dataDirectory, string kekFile, KeyEncryptionKey kek, bool kekCreated, AppDatabase database)
    {
        DataDirectory = dataDirectory;
        KekFile = kekFile;
        Kek = kek;
        KekCreated = kekCreated;
        Database = database;
    }

    public string DataDirectory { get; }

    public string KekFile { get; }

    public KeyEncryptionKey Kek { get; }

    /// <summary>True when this run created the KEK file (first run).</summary>
    public bool KekCreated { get; }

    public AppDatabase Database { get; }

    /// <summary>A KEK written by a rotation that has not been promoted yet (see <see cref="Offline.OfflineAdmin.RotateKek"/>).</summary>
    public static string PendingKekFile(string kekFile) => kekFile + ".pending";

    /// <exception cref="StoreOpenException">The store cannot be opened: wrong KEK, in use, damaged.</exception>
    public static AppStore Open(string dataDirectory, string kekFile)
    {
        try
        {
            var store = OpenWith(dataDirectory, kekFile);
            // The store opens with the current KEK: a pending one is from a rotation that never replaced the store.
            File.Delete(PendingKekFile(kekFile));
            return store;
        }
        catch (StoreOpenException) when (File.Exists(PendingKekFile(kekFile)))
        {
            // A rotation stopped after re-encrypting the store but before promoting the new KEK: finish it.
            var store = OpenWith(dataDirectory, PendingKekFile(kekFile));
            File.Move(PendingKekFile(kekFile), kekFile, overwrite: true);
            return store;
        }
    }

    private static AppStore OpenWith(string dataDirectory, string kekFile)
    {
        Hosting.PrivateFiles.CreateDirectory(dataDirectory);
        var databaseExists = File.Exists(Path.Combine(dataDirectory, AppDatabase.FileName));
        var kek = KeyEncryptionKey.LoadOrCreate(kekFile, out var created);
        if (created && databaseExists)
        {
            kek.Dispose();
            File.Delete(kekFile);
            throw new StoreOpenException($"The store in {dataDirectory} exists but its key-encryption key is missing ({kekFile}, or {KeyEncryptionKey.EnvironmentVariable}). Restore the KEK from your backup.");
        }
        try
        {
            var store = new AppStore(dataDirectory, kekFile, kek, created, new AppDatabase(dataDirectory, kek.DeriveDatabasePassword()));
            // LiteDB creates its file with the process's default mode; older versions left 0755/0644 behind.
            Hosting.PrivateFiles.Tighten(dataDirectory);
            return store;
        }
        catch (LiteDB.LiteException e)
        {
            kek.Dispose();
            throw new StoreOpenException($"The store in {dataDirectory} cannot be opened with key-encryption key {kek.Id}: {e.Message}");
        }
        catch (IOException e)
        {
            kek.Dispose();
            throw new StoreOpenException($"The store in {dataDirectory} cannot be opened (is another RecoveryAssist running on it?): {e.Message}");
        }
    }

    public AuditLog CreateAuditLog(TimeProvider time, AuditSink? sink = null) => new(Database, Kek, time, sink);

    public void Dispose()
    {
        Database.Dispose();
        Kek.Dispose();
    }
}

internal class StoreOpenException(string message) : Exception(message);

/// <summary>The store opened, but what it holds cannot be read: for <c>audit verify</c> a failed verification, not a wrong path or key.</summary>
internal sealed class StoreDamagedException(string message) : StoreOpenException(message);
