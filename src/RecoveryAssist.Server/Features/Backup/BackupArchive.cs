using System.Formats.Tar;
using System.Reflection;
using System.Security.Cryptography;
using RecoveryAssist.Server.Features.Secrets;
using RecoveryAssist.Server.Hosting;
using RecoveryAssist.Server.Storage;

namespace RecoveryAssist.Server.Features.Backup;

/// <summary>
/// What a backup holds, as a tar stream inside the sealed format: the store (keys sealed under the KEK,
/// the audit log and its sealed chain head, users, sessions, jobs, policies), the sign-in cookie keys
/// (sealed under the KEK), and in a passphrase backup only, the KEK itself.
/// </summary>
internal static class BackupArchive
{
    public const string DatabaseEntry = AppDatabase.FileName;
    public const string KekEntry = "kek.key";
    public const string CookieKeysPrefix = AppHost.CookieKeysDirectory + "/";

    public static string ApplianceVersion =>
        typeof(BackupArchive).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>A new key and header: under the KEK (fresh salt), or under <paramref name="passphrase"/> with PBKDF2.</summary>
    public static (BackupHeader Header, BackupKey Key) NewKey(KeyEncryptionKey kek, string? passphrase, DateTimeOffset now)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var (key, kdf, protection) = passphrase is null
            ? (BackupKey.FromKek(kek, salt), new BackupKdf(BackupKey.HkdfAlgorithm, 0, Convert.ToBase64String(salt)), BackupHeader.KekProtection)
            : (BackupKey.FromPassphrase(passphrase, salt, BackupKey.Pbkdf2Iterations),
                new BackupKdf(BackupKey.Pbkdf2Algorithm, BackupKey.Pbkdf2Iterations, Convert.ToBase64String(salt)), BackupHeader.PassphraseProtection);
        return (new BackupHeader(BackupHeader.CurrentFormat, now, ApplianceVersion, protection, kek.Id, kdf, BackupFormat.DefaultChunkSize, key.Check()), key);
    }

    /// <summary>Seals the store snapshot and the cookie keys (and, with a passphrase, the KEK) into <paramref name="output"/>.</summary>
    public static void Write(Stream output, BackupHeader header, BackupKey key, string databaseSnapshot, string cookieKeysDirectory, KeyEncryptionKey? includeKek)
    {
        using var sealedOutput = new BackupWriter(output, header, key);
        using (var tar = new TarWriter(sealedOutput, TarEntryFormat.Pax, leaveOpen: true))
        {
            tar.WriteEntry(databaseSnapshot, DatabaseEntry);
            if (Directory.Exists(cookieKeysDirectory))
            {
                foreach (var file in Directory.GetFiles(cookieKeysDirectory, "*.xml").Order(StringComparer.Ordinal))
                    tar.WriteEntry(file, CookieKeysPrefix + Path.GetFileName(file));
            }
            if (includeKek is not null)
            {
                using var kek = new MemoryStream(System.Text.Encoding.ASCII.GetBytes(includeKek.ExportBase64()));
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, KekEntry) { DataStream = kek, Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite });
            }
        }
        sealedOutput.Complete();
    }

    /// <summary>
    /// Writes the backup's files under <paramref name="directory"/> (mode 0600), then reads to the end to prove
    /// nothing was cut off. Only the names a backup holds are accepted; anything else is refused.
    /// </summary>
    public static IReadOnlySet<string> Extract(BackupReader reader, string directory)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        using (var tar = new TarReader(reader, leaveOpen: true))
        {
            while (tar.GetNextEntry() is { } entry)
            {
                var name = entry.Name;
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || !IsKnownName(name))
                    throw new BackupException($"The backup holds an entry this version does not restore: '{name}'.");
                if (!names.Add(name))
                    throw new BackupException($"The backup holds '{name}' twice.");
                var path = Path.Combine(directory, name);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                using var file = new FileStream(path, PrivateFile(FileMode.CreateNew));
                entry.DataStream?.CopyTo(file);
            }
        }
        reader.ReadToEndAndVerify();
        if (!names.Contains(DatabaseEntry))
            throw new BackupException($"The backup holds no store ({DatabaseEntry}).");
        return names;
    }

    /// <summary>A new file readable by the owner only (0600).</summary>
    public static FileStreamOptions PrivateFile(FileMode mode, FileAccess access = FileAccess.Write, FileOptions options = FileOptions.None)
    {
        var settings = new FileStreamOptions { Mode = mode, Access = access, Options = options };
        if (!OperatingSystem.IsWindows())
            settings.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        return settings;
    }

    /// <summary>Creates a directory open to the owner only (0700).</summary>
    public static string PrivateDirectory(string path) => (OperatingSystem.IsWindows()
        ? Directory.CreateDirectory(path)
        : Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute)).FullName;

    private static bool IsKnownName(string name) =>
        name is DatabaseEntry or KekEntry
        || (name.StartsWith(CookieKeysPrefix, StringComparison.Ordinal) && name.EndsWith(".xml", StringComparison.Ordinal)
            && name.Length > CookieKeysPrefix.Length + 4 && name.IndexOfAny(['/', '\\'], CookieKeysPrefix.Length) < 0 && !name.Contains("..", StringComparison.Ordinal));
}
