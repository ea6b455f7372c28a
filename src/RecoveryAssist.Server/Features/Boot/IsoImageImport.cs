using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using RecoveryAssist.Core.Iso9660;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Hosting;

namespace RecoveryAssist.Server.Features.Boot;

/// <summary>
/// Registers an ESXi image from an uploaded installer ISO: the upload is kept in a staging directory, its
/// tree read by our own ISO 9660 reader and extracted there, and only a whole, valid installer tree is moved
/// into <c>&lt;data&gt;/images/</c> and registered. Bad input leaves nothing behind and changes nothing.
/// </summary>
internal sealed partial class IsoImageImport(BootImages images, IOptions<AppOptions> appOptions, ILogger<IsoImageImport> logger) : IHostedService
{
    public const string ImagesDirectory = "images";

    private const string StagingPrefix = ".upload-";

    private string Root => Path.Combine(Path.GetFullPath(appOptions.Value.DataDirectory), ImagesDirectory);

    public async Task<BootImageRecord> ImportAsync(string id, Stream upload, Actor actor, CancellationToken cancellationToken)
    {
        if (BootImages.DescribeInvalidId(id) is { } problem)
            throw ProblemException.BadRequest("invalid-image", $"id: {problem}.");
        var staging = Path.Combine(Root, StagingPrefix + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(staging);
        try
        {
            var isoFile = Path.Combine(staging, "image.iso");
            var tree = Path.Combine(staging, "tree");
            await using (var file = File.Create(isoFile))
                await upload.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
            await using (var iso = File.OpenRead(isoFile))
            {
                try
                {
                    Extract(iso, IsoImage.ReadTree(iso, BootImages.MaxFiles), tree);
                }
                catch (IsoFormatException e)
                {
                    throw ProblemException.BadRequest("invalid-iso", "The ISO cannot be used: " + e.Message + ".");
                }
                catch (EndOfStreamException)
                {
                    throw ProblemException.BadRequest("invalid-iso", "The ISO cannot be used: it ends in the middle of a record (truncated upload?).");
                }
            }
            // A new directory per upload: a registered image is never changed under the files it serves.
            var target = Path.Combine(Root, $"{id}-{DateTime.UtcNow:yyyyMMddHHmmss}-{Guid.NewGuid().ToString("N")[..UploadSuffixLength]}");
            Directory.Move(tree, target);
            var previous = images.Find(id)?.Directory;
            try
            {
                var image = images.Register(new RegisterImageRequest(id, target), actor);
                if (previous is not null && previous.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                    DeleteQuietly(previous);
                return image;
            }
            catch
            {
                DeleteQuietly(target);
                throw;
            }
        }
        finally
        {
            DeleteQuietly(staging);
        }
    }

    private const int UploadSuffixLength = 8;

    /// <summary>
    /// At start, before any upload can run: removes what an interrupted upload left in the images directory
    /// (a staging directory, or an extracted tree whose registration never happened because the appliance
    /// was killed between the two) and trees of replaced images whose deletion failed. Only directories this
    /// class names are considered, and never one a registered image uses.
    /// </summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!Directory.Exists(Root))
            return Task.CompletedTask;
        var inUse = images.List().Select(i => Path.GetFullPath(i.Directory)).ToHashSet(StringComparer.Ordinal);
        var removed = 0;
        foreach (var directory in Directory.EnumerateDirectories(Root))
        {
            var name = Path.GetFileName(directory);
            var leftover = name.StartsWith(StagingPrefix, StringComparison.Ordinal)
                || (UploadTreeName().IsMatch(name) && !inUse.Contains(Path.GetFullPath(directory)));
            if (leftover && DeleteQuietly(directory))
                removed++;
        }
        if (removed > 0)
            LogLeftoversRemoved(logger, removed, Root);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [GeneratedRegex(@"^.+-\d{14}-[0-9a-f]{8}$", RegexOptions.CultureInvariant)]
    private static partial Regex UploadTreeName();

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {Count} directories left by interrupted or replaced ISO uploads in {Directory}")]
    private static partial void LogLeftoversRemoved(ILogger logger, int count, string directory);

    /// <summary>Writes every entry under <paramref name="target"/>; a path that would leave it is refused (the reader already refuses such names).</summary>
    private static void Extract(Stream iso, IReadOnlyList<IsoEntry> entries, string target)
    {
        var root = Path.GetFullPath(target) + Path.DirectorySeparatorChar;
        Directory.CreateDirectory(root);
        var buffer = new byte[81920];
        foreach (var entry in entries)
        {
            var path = Path.GetFullPath(Path.Combine(root, entry.Path.Replace('/', Path.DirectorySeparatorChar)));
            if (!path.StartsWith(root, StringComparison.Ordinal))
                throw new IsoFormatException($"/{entry.Path}: would be written outside the image directory");
            if (entry.IsDirectory)
            {
                Directory.CreateDirectory(path);
                continue;
            }
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
            iso.Position = entry.Offset;
            var left = entry.Length;
            while (left > 0)
            {
                var read = iso.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
                if (read == 0)
                    throw new EndOfStreamException();
                output.Write(buffer, 0, read);
                left -= read;
            }
        }
    }

    /// <returns>Whether the directory is gone.</returns>
    private static bool DeleteQuietly(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
                Directory.Delete(directory, recursive: true);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
