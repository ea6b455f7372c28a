namespace RecoveryAssist.Server.Hosting;

/// <summary>
/// The data directory is the service account's alone: the directory 0700, every file in it 0600. Files
/// are created with that mode (never created open and narrowed later), and <see cref="Tighten"/> narrows
/// what a library (LiteDB, data protection) or an older version created with the default mode.
/// </summary>
internal static class PrivateFiles
{
    public const UnixFileMode PrivateDirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode PrivateFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }
        Directory.CreateDirectory(path, PrivateDirectoryMode);
        File.SetUnixFileMode(path, PrivateDirectoryMode);
    }

    /// <summary>Writes a new file (replacing any) that only the owner can read.</summary>
    public static void WriteAllText(string path, string text)
    {
        File.Delete(path);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = PrivateFileMode;
        using var stream = new FileStream(path, options);
        using var writer = new StreamWriter(stream);
        writer.Write(text);
    }

    /// <summary>Narrows <paramref name="directory"/> to 0700 and everything under it to 0700 (directories) and 0600 (files); symbolic links are left alone.</summary>
    public static void Tighten(string directory)
    {
        if (OperatingSystem.IsWindows() || !Directory.Exists(directory))
            return;
        File.SetUnixFileMode(directory, PrivateDirectoryMode);
        foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint }))
        {
            var wanted = entry is DirectoryInfo ? PrivateDirectoryMode : PrivateFileMode;
            if (entry.UnixFileMode != wanted)
                entry.UnixFileMode = wanted;
        }
    }
}

/// <summary>Data-protection keys (the cookie and antiforgery keys) on disk as 0600 files in a 0700 directory.</summary>
internal sealed class PrivateXmlRepository : Microsoft.AspNetCore.DataProtection.Repositories.IXmlRepository
{
    private readonly string _directory;
    private readonly Microsoft.AspNetCore.DataProtection.Repositories.FileSystemXmlRepository _inner;

    public PrivateXmlRepository(string directory, ILoggerFactory loggers)
    {
        _directory = directory;
        PrivateFiles.CreateDirectory(directory);
        _inner = new(new DirectoryInfo(directory), loggers);
    }

    public IReadOnlyCollection<System.Xml.Linq.XElement> GetAllElements() => _inner.GetAllElements();

    public void StoreElement(System.Xml.Linq.XElement element, string friendlyName)
    {
        _inner.StoreElement(element, friendlyName);
        PrivateFiles.Tighten(_directory);
    }
}
