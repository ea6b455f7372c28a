using LiteDB;
using RecoveryAssist.Server.Features.Audit;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Features.Secrets;
using RecoveryAssist.Server.Hosting;
using RecoveryAssist.Server.Storage;

namespace RecoveryAssist.Server.Features.Backup;

/// <summary>What a restore put back.</summary>
internal sealed record RestoreResult(BackupHeader Header, long Hosts, long KeyVersions, long AuditRecords, string? KekWrittenTo);

/// <summary>
/// <c>recoveryassist admin restore</c>: a backup onto an empty data directory, with the appliance stopped.
/// Everything is checked before the data directory is touched: the header, the key, every chunk's tag, the
/// archive's names, that the store opens with the KEK and that its audit chain verifies. The files are
/// unpacked into a work directory beside the data directory and moved in only then.
/// </summary>
internal static class BackupRestore
{
    /// <param name="kekFile">The KEK of a KEK-sealed backup; default RECOVERYASSIST_KEK, then the file named by RECOVERYASSIST_KEK_FILE.</param>
    /// <param name="passphrase">The passphrase of a passphrase-sealed backup.</param>
    /// <exception cref="BackupException">The backup cannot be restored here; nothing was written.</exception>
    public static RestoreResult Restore(string backupFile, string dataDirectory, string? kekFile, string? passphrase)
    {
        dataDirectory = Path.GetFullPath(dataDirectory);
        if (Directory.Exists(dataDirectory) && Directory.EnumerateFileSystemEntries(dataDirectory).Any())
            throw new BackupException($"{dataDirectory} is not empty: a backup is restored only onto an empty (or new) data directory.");
        if (!File.Exists(backupFile))
            throw new BackupException($"There is no backup file {backupFile}.");

        using var input = new FileStream(backupFile, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var (header, headerBytes) = BackupReader.ReadHeader(input);
        using var environmentKek = Environment.GetEnvironmentVariable(KeyEncryptionKey.EnvironmentVariable) is { Length: > 0 } text
            ? KeyEncryptionKey.FromBase64(text, KeyEncryptionKey.EnvironmentVariable) : null;
        var kekDestination = Environment.GetEnvironmentVariable(AppHost.KekFileEnvironmentVariable) is { Length: > 0 } configured
            ? Path.GetFullPath(configured) : Path.Combine(dataDirectory, BackupArchive.KekEntry);
        using var suppliedKek = header.Protection == BackupHeader.KekProtection ? SuppliedKek(header, kekFile, environmentKek, kekDestination) : null;
        using var key = KeyFor(header, suppliedKek, passphrase);
        // Where the appliance will find the KEK after the restore: checked now, written last.
        var writeKek = KekToWrite(header, kekFile, environmentKek, kekDestination);

        var parent = Path.GetDirectoryName(dataDirectory) ?? throw new BackupException("Restore into a directory, not the root.");
        var work = Path.Combine(parent, $".{Path.GetFileName(dataDirectory)}.restore-{Guid.NewGuid():N}");
        BackupArchive.PrivateDirectory(work);
        try
        {
            using (var reader = BackupReader.Open(input, header, headerBytes, key, WrongKey(header)))
                BackupArchive.Extract(reader, work);
            using var kek = suppliedKek is null ? KekInside(work, header) : KeyEncryptionKey.FromBase64(suppliedKek.ExportBase64(), "the KEK given");
            var (hosts, keyVersions, auditRecords) = VerifyAndRecord(work, kek, header);

            BackupArchive.PrivateDirectory(dataDirectory);
            File.Move(Path.Combine(work, AppDatabase.FileName), Path.Combine(dataDirectory, AppDatabase.FileName));
            if (Directory.Exists(Path.Combine(work, AppHost.CookieKeysDirectory)))
                Directory.Move(Path.Combine(work, AppHost.CookieKeysDirectory), Path.Combine(dataDirectory, AppHost.CookieKeysDirectory));
            if (writeKek && !File.Exists(kekDestination))
                kek.WriteTo(kekDestination);
            return new RestoreResult(header, hosts, keyVersions, auditRecords, writeKek ? kekDestination : null);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static KeyEncryptionKey SuppliedKek(BackupHeader header, string? kekFile, KeyEncryptionKey? environmentKek, string kekDestination)
    {
        KeyEncryptionKey kek;
        if (kekFile is not null)
            kek = File.Exists(kekFile) ? KeyEncryptionKey.FromBase64(File.ReadAllText(kekFile), kekFile) : throw new BackupException($"There is no KEK file {kekFile}.");
        else if (environmentKek is not null)
            kek = KeyEncryptionKey.FromBase64(environmentKek.ExportBase64(), KeyEncryptionKey.EnvironmentVariable);
        else if (File.Exists(kekDestination))
            kek = KeyEncryptionKey.FromBase64(File.ReadAllText(kekDestination), kekDestination);
        else
            throw new BackupException($"This backup is sealed under KEK {header.KekId}: give that KEK with --kek-file (the kek.key kept apart from the backups).");
        if (kek.Id != header.KekId)
        {
            kek.Dispose();
            throw new BackupException($"Wrong KEK: this backup is sealed under KEK {header.KekId}, the KEK given is {kek.Id}.");
        }
        return kek;
    }

    private static BackupKey KeyFor(BackupHeader header, KeyEncryptionKey? kek, string? passphrase)
    {
        var salt = DecodeSalt(header);
        switch (header.Protection)
        {
            case BackupHeader.KekProtection when header.Kdf.Algorithm == BackupKey.HkdfAlgorithm:
                return BackupKey.FromKek(kek!, salt);
            case BackupHeader.PassphraseProtection when header.Kdf.Algorithm == BackupKey.Pbkdf2Algorithm:
                if (passphrase is null)
                    throw new BackupException("This backup is sealed under a passphrase: give it on standard input with --passphrase-stdin.");
                if (header.Kdf.Iterations is < BackupKey.MinimumPbkdf2Iterations or > 100_000_000)
                    throw new BackupException($"The backup's header names {header.Kdf.Iterations} PBKDF2 iterations, outside {BackupKey.MinimumPbkdf2Iterations}..100000000.");
                return BackupKey.FromPassphrase(passphrase, salt, header.Kdf.Iterations);
            default:
                throw new BackupException($"The backup is sealed in a way this version does not know ({header.Protection}, {header.Kdf.Algorithm}).");
        }
    }

    private static byte[] DecodeSalt(BackupHeader header)
    {
        try
        {
            return Convert.FromBase64String(header.Kdf.Salt);
        }
        catch (FormatException)
        {
            throw new BackupException("The backup's header holds a salt that is not base64.");
        }
    }

    /// <summary>True when the restore must write the KEK to <paramref name="kekDestination"/>; throws when another KEK is in the way.</summary>
    private static bool KekToWrite(BackupHeader header, string? kekFile, KeyEncryptionKey? environmentKek, string kekDestination)
    {
        if (environmentKek is not null && (header.Protection == BackupHeader.PassphraseProtection || kekFile is null))
        {
            if (environmentKek.Id != header.KekId)
                throw new BackupException($"{KeyEncryptionKey.EnvironmentVariable} holds KEK {environmentKek.Id}, but the backup's store is sealed under KEK {header.KekId}: unset it.");
            return false;
        }
        if (!File.Exists(kekDestination))
            return true;
        using var existing = KeyEncryptionKey.FromBase64(File.ReadAllText(kekDestination), kekDestination);
        return existing.Id == header.KekId
            ? false
            : throw new BackupException($"{kekDestination} holds KEK {existing.Id}, but the backup's store is sealed under KEK {header.KekId}: move it away first.");
    }

    private static string WrongKey(BackupHeader header) => header.Protection == BackupHeader.PassphraseProtection
        ? "Wrong passphrase: this backup does not open with the passphrase given."
        : $"Wrong KEK: this backup does not open with KEK {header.KekId}.";

    private static KeyEncryptionKey KekInside(string work, BackupHeader header)
    {
        var file = Path.Combine(work, BackupArchive.KekEntry);
        if (!File.Exists(file))
            throw new BackupException("This passphrase backup holds no KEK, so it cannot restore alone.");
        var kek = KeyEncryptionKey.FromBase64(File.ReadAllText(file), "the backup's kek.key");
        if (kek.Id != header.KekId)
        {
            kek.Dispose();
            throw new BackupException($"The backup's KEK is {kek.Id}, but its header names KEK {header.KekId}.");
        }
        return kek;
    }

    /// <summary>
    /// Opens the unpacked store with the KEK and verifies its audit chain, then records the restore in it
    /// (<c>backup.restored</c>), so the log says where this store came from. Returns what it holds.
    /// </summary>
    private static (long Hosts, long KeyVersions, long AuditRecords) VerifyAndRecord(string work, KeyEncryptionKey kek, BackupHeader header)
    {
        try
        {
            using var database = new AppDatabase(work, kek.DeriveDatabasePassword());
            if (AuditLog.Verify(database, AuditLog.DeriveHeadKey(kek)) is { } problem)
                throw new BackupException($"The backup's audit log does not verify: {problem}");
            new AuditLog(database, kek, TimeProvider.System).Append(new AuditEntry("offline-admin", "backup.restored", "store", AuditEntry.Success, null,
                $"from the backup of {header.CreatedAt:u} (appliance {header.ApplianceVersion}, sealed under the {header.Protection})"));
            return (new HostStore(database).Count(),
                KeyVersionStore.Count(database),
                database.Collection<BsonDocument>(AuditLog.RecordsCollection).LongCount());
        }
        catch (LiteException e)
        {
            throw new BackupException($"The store in the backup does not open with KEK {kek.Id}: {e.Message}");
        }
    }
}
