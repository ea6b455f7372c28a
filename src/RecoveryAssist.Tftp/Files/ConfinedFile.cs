using Microsoft.Win32.SafeHandles;

namespace RecoveryAssist.Tftp.Files;

/// <summary>
/// Opens a file only if what was actually opened lies under a root directory. The check is made on the open
/// handle (its path as the kernel resolved it, from <c>/proc/self/fd</c>), so a file or directory swapped for a
/// symbolic link to elsewhere (such as the key-encryption key) is refused however the swap is timed.
/// </summary>
public static class ConfinedFile
{
    /// <summary>The root with every symbolic link resolved (the form the kernel reports opened files in), like realpath(3).</summary>
    public static string ResolveRoot(string root)
    {
        var pending = new List<string>(Path.GetFullPath(root).Split('/', StringSplitOptions.RemoveEmptyEntries));
        string current = "/";
        for (int hops = 0; pending.Count > 0;)
        {
            string part = pending[0];
            pending.RemoveAt(0);
            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? "/";
                continue;
            }

            string candidate = Path.Combine(current, part);
            if (new FileInfo(candidate).LinkTarget is { } target)
            {
                if (++hops > 40)
                {
                    throw new IOException($"{root}: too many levels of symbolic links");
                }

                // The link's target replaces it, resolved again component by component.
                string absolute = Path.GetFullPath(target, current);
                pending.InsertRange(0, absolute.Split('/', StringSplitOptions.RemoveEmptyEntries));
                current = "/";
                continue;
            }

            current = candidate;
        }

        return current;
    }

    /// <summary>
    /// A read handle on <paramref name="path"/> when it is a regular file whose resolved location is under
    /// <paramref name="resolvedRoot"/> (from <see cref="ResolveRoot"/>); otherwise null.
    /// </summary>
    public static SafeFileHandle? OpenHandle(string path, string resolvedRoot)
    {
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        if (IsUnder(handle, resolvedRoot))
        {
            return handle;
        }

        handle.Dispose();
        return null;
    }

    /// <summary>A read stream on the file, confined as <see cref="OpenHandle"/> is; null when refused.</summary>
    public static FileStream? OpenRead(string path, string resolvedRoot) =>
        OpenHandle(path, resolvedRoot) is { } handle ? new FileStream(handle, FileAccess.Read) : null;

    private static bool IsUnder(SafeFileHandle handle, string resolvedRoot)
    {
        if (!OperatingSystem.IsLinux())
        {
            return true;
        }

        string? opened = new FileInfo($"/proc/self/fd/{handle.DangerousGetHandle()}").LinkTarget;
        if (opened is null || !File.Exists(opened))
        {
            return false;
        }

        string prefix = resolvedRoot.EndsWith('/') ? resolvedRoot : resolvedRoot + "/";
        return opened.StartsWith(prefix, StringComparison.Ordinal);
    }
}
