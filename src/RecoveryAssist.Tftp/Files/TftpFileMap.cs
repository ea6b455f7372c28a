using System.Collections.Concurrent;

namespace RecoveryAssist.Tftp.Files;

/// <summary>
/// A map of served names to byte sources: static bytes, single files, every file of a
/// directory (as a snapshot of names taken when it is added), or content generated per
/// request. Nothing that is not a key of the map is ever opened.
/// </summary>
public sealed class TftpFileMap : ITftpFileProvider
{
    private readonly ConcurrentDictionary<string, Func<TftpFileRequest, CancellationToken, ValueTask<TftpFile?>>> _entries =
        new(StringComparer.Ordinal);

    // Names folded for case-insensitive lookups; null marks two entries that differ only in case.
    private readonly ConcurrentDictionary<string, string?> _folded = new(StringComparer.OrdinalIgnoreCase);

    public TftpFileMap AddBytes(string name, ReadOnlyMemory<byte> content) =>
        Add(name, (_, _) => ValueTask.FromResult<TftpFile?>(TftpFile.FromBytes(content)));

    public TftpFileMap AddFile(string name, string path)
    {
        string fullPath = Path.GetFullPath(path);
        return Add(name, (_, _) => ValueTask.FromResult<TftpFile?>(File.Exists(fullPath) ? TftpFile.OpenRead(fullPath) : null));
    }

    /// <summary>
    /// Adds a file that must stay under <paramref name="root"/>: at every open, what was opened is checked to lie
    /// under the root, so a file later swapped for a symbolic link to elsewhere answers "file not found".
    /// </summary>
    public TftpFileMap AddConfinedFile(string name, string path, string root)
    {
        string fullPath = Path.GetFullPath(path);
        string resolvedRoot = ConfinedFile.ResolveRoot(root);
        return Add(name, (_, _) => ValueTask.FromResult<TftpFile?>(ConfinedFile.OpenHandle(fullPath, resolvedRoot) is { } handle ? TftpFile.FromHandle(handle) : null));
    }

    /// <summary>Adds every regular file under <paramref name="directory"/>, named by its
    /// relative path with '/' separators. Symbolic links are skipped so the map cannot be
    /// pointed outside the directory later.</summary>
    public TftpFileMap AddDirectory(string directory)
    {
        string root = Path.GetFullPath(directory);
        var enumeration = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            AttributesToSkip = FileAttributes.ReparsePoint | FileAttributes.Hidden | FileAttributes.System,
        };
        foreach (string path in Directory.EnumerateFiles(root, "*", enumeration))
        {
            string name = Path.GetRelativePath(root, path).Replace(Path.DirectorySeparatorChar, '/');
            if (TftpFileNameValidator.Validate(name, int.MaxValue) is null)
            {
                AddFile(name, path);
            }
        }

        return this;
    }

    /// <summary>Adds content rendered for each request; return null to answer "file not found".
    /// Render the whole content before returning: a transfer never starts on half a file.</summary>
    public TftpFileMap AddGenerated(string name, Func<TftpFileRequest, CancellationToken, ValueTask<ReadOnlyMemory<byte>?>> generate)
    {
        ArgumentNullException.ThrowIfNull(generate);
        return Add(name, async (request, cancellationToken) =>
            await generate(request, cancellationToken).ConfigureAwait(false) is { } content ? TftpFile.FromBytes(content) : null);
    }

    public ValueTask<TftpFile?> OpenAsync(TftpFileRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_entries.TryGetValue(request.Name, out var open))
        {
            return open(request, cancellationToken);
        }

        if (request.IgnoreCase && _folded.TryGetValue(request.Name, out string? actual) && actual is not null
            && _entries.TryGetValue(actual, out open))
        {
            return open(request, cancellationToken);
        }

        return ValueTask.FromResult<TftpFile?>(null);
    }

    private TftpFileMap Add(string name, Func<TftpFileRequest, CancellationToken, ValueTask<TftpFile?>> open)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (TftpFileNameValidator.Validate(name, int.MaxValue) is { } reason)
        {
            throw new ArgumentException($"'{name}' cannot be served over TFTP: {reason}.", nameof(name));
        }

        _entries[name] = open;
        _folded.AddOrUpdate(name, name, (_, existing) => string.Equals(existing, name, StringComparison.Ordinal) ? name : null);
        return this;
    }
}
