using System.Globalization;
using RecoveryAssist.Server.Features.Audit;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Hosting;
using RecoveryAssist.Server.Storage;

namespace RecoveryAssist.Server.Features.Boot;

internal sealed record RegisterImageRequest(string? Id, string? Directory, string? BiosLoader = null, string? EfiLoader = null, string? Initrd = null);

internal sealed record BootImageView(string Id, string Directory, string? Build, string? BiosLoader, string? EfiLoader, string? Initrd, int Files, DateTime Registered, string RegisteredBy)
{
    public static BootImageView From(BootImageRecord r) => new(r.Id, r.Directory, r.Build, r.BiosLoader, r.EfiLoader, r.Initrd, r.Files.Count, r.Registered, r.RegisteredBy);
}

/// <summary>
/// ESXi installer trees registered for network recovery: each is a snapshot of the files found
/// under its directory at registration. Only those names are served (HTTP and TFTP), matched
/// without case because ISO 9660 trees are upper-case while boot.cfg names files in lower case.
/// </summary>
internal sealed class BootImages
{
    public const string Collection = "boot_images";
    public const int MaxFiles = 10_000;
    public const string DefaultBiosLoader = "mboot.c32";
    public const string DefaultEfiLoader = "efi/boot/bootx64.efi";

    private readonly AppDatabase _database;
    private readonly AuditLog _audit;
    private readonly TimeProvider _time;
    private volatile Dictionary<string, ImageFiles> _images;

    public BootImages(AppDatabase database, AuditLog audit, TimeProvider time)
    {
        _database = database;
        _audit = audit;
        _time = time;
        _images = Load();
    }

    /// <summary>Called when the image set changes (the TFTP map adds the new names).</summary>
    public event Action<BootImageRecord>? Registered;

    private LiteDB.ILiteCollection<BootImageRecord> Images => _database.Collection<BootImageRecord>(Collection);

    public IReadOnlyList<BootImageRecord> List() => Images.FindAll().OrderBy(i => i.Id, StringComparer.Ordinal).ToList();

    public BootImageRecord? Find(string id) => _images.GetValueOrDefault(id)?.Record;

    /// <summary>The full path of a served file of an image, or null when the image does not serve that name.</summary>
    public string? Resolve(string id, string relativePath)
    {
        if (!_images.TryGetValue(id, out var image))
            return null;
        return image.ByLowerName.TryGetValue(relativePath.ToLowerInvariant(), out var actual)
            ? Path.Combine(image.Record.Directory, actual.Replace('/', Path.DirectorySeparatorChar))
            : null;
    }

    /// <summary>
    /// Opens a registered file of an image for reading, only if what is opened lies under the image's directory:
    /// a file swapped for a symbolic link to elsewhere (kek.key) is refused (null), however the swap is timed.
    /// </summary>
    public FileStream? OpenRead(string id, string relativePath) =>
        Resolve(id, relativePath) is { } path && _images.TryGetValue(id, out var image)
            ? RecoveryAssist.Tftp.Files.ConfinedFile.OpenRead(path, RecoveryAssist.Tftp.Files.ConfinedFile.ResolveRoot(image.Record.Directory))
            : null;

    /// <summary>Why <paramref name="id"/> cannot name an image (it also names a directory and URL segment), or null.</summary>
    public static string? DescribeInvalidId(string id) =>
        id.Length is 0 or > 64 || id is "." or ".." || !id.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.' or '_')
            ? "1 to 64 lower-case letters, digits, '-', '.' or '_'"
            : null;

    public BootImageRecord Register(RegisterImageRequest request, Actor actor)
    {
        var errors = new List<string>();
        var id = request.Id?.Trim() ?? "";
        if (DescribeInvalidId(id) is { } idProblem)
            errors.Add("id: " + idProblem);
        var directory = request.Directory?.Trim();
        if (string.IsNullOrEmpty(directory) || !Path.IsPathFullyQualified(directory))
            errors.Add("directory: an absolute path of an extracted ESXi installer");
        else if (!System.IO.Directory.Exists(directory))
            errors.Add("directory: does not exist or cannot be read");
        if (errors.Count > 0)
            throw ProblemException.BadRequest("invalid-image", string.Join("; ", errors) + ".");

        var root = Path.GetFullPath(directory!);
        var files = Snapshot(root);
        var byLower = files.GroupBy(f => f.ToLowerInvariant()).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        if (!byLower.ContainsKey("boot.cfg"))
            errors.Add("directory: holds no boot.cfg at the top (is it an extracted ESXi installer?)");
        string? Loader(string? requested, string? fallback, string field)
        {
            var name = requested?.Trim().TrimStart('/');
            if (string.IsNullOrEmpty(name))
                return fallback is not null && byLower.TryGetValue(fallback, out var found) ? found : null;
            if (!byLower.TryGetValue(name.ToLowerInvariant(), out var actual))
            {
                errors.Add($"{field}: {name} is not a file of the image");
                return null;
            }
            return actual;
        }
        var bios = Loader(request.BiosLoader, DefaultBiosLoader, "biosLoader");
        var efi = Loader(request.EfiLoader, DefaultEfiLoader, "efiLoader");
        var initrd = Loader(request.Initrd, null, "initrd");
        if (bios is null && efi is null && errors.Count == 0)
            errors.Add($"the image has neither {DefaultBiosLoader} nor {DefaultEfiLoader}: name its boot loader (biosLoader, efiLoader)");
        string? build = null;
        if (errors.Count == 0)
        {
            try
            {
                var config = RecoveryAssist.Core.Boot.BootConfig.Parse(File.ReadAllText(Path.Combine(root, byLower["boot.cfg"])));
                build = config.Build;
            }
            catch (RecoveryAssist.Core.Boot.BootConfigFormatException e)
            {
                errors.Add("boot.cfg: " + e.Message);
            }
        }
        if (errors.Count > 0)
            throw ProblemException.BadRequest("invalid-image", string.Join("; ", errors) + ".");

        var record = new BootImageRecord
        {
            Id = id,
            Directory = root,
            Files = files,
            BiosLoader = bios,
            EfiLoader = efi,
            Initrd = initrd,
            Build = build,
            Registered = AuditChain.Truncate(_time.GetUtcNow()),
            RegisteredBy = actor.Name,
        };
        _database.Write(() =>
        {
            var replaced = Images.FindById(id) is not null;
            Images.Upsert(record);
            _audit.Append(new AuditEntry(actor.Name, replaced ? "boot.image-replaced" : "boot.image-registered", "image:" + id, AuditEntry.Success, actor.ClientAddress,
                string.Create(CultureInfo.InvariantCulture, $"directory {root}; {files.Count} files; build {build ?? "-"}; bios loader {bios ?? "-"}; efi loader {efi ?? "-"}")));
        });
        _images = Load();
        Registered?.Invoke(record);
        return record;
    }

    private static List<string> Snapshot(string root)
    {
        var enumeration = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            AttributesToSkip = FileAttributes.ReparsePoint | FileAttributes.Hidden | FileAttributes.System,
        };
        var files = new List<string>();
        foreach (var path in System.IO.Directory.EnumerateFiles(root, "*", enumeration))
        {
            var name = Path.GetRelativePath(root, path).Replace(Path.DirectorySeparatorChar, '/');
            if (name.Split('/').Any(s => s is "" or "." or "..") || name.Any(c => c is < ' ' or > '~' or '\\'))
                continue;
            files.Add(name);
            if (files.Count > MaxFiles)
                throw ProblemException.BadRequest("invalid-image", $"directory: more than {MaxFiles} files; is this an ESXi installer?");
        }
        files.Sort(StringComparer.Ordinal);
        return files;
    }

    private Dictionary<string, ImageFiles> Load() =>
        Images.FindAll().ToDictionary(r => r.Id, r => new ImageFiles(r,
            r.Files.GroupBy(f => f.ToLowerInvariant()).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal)), StringComparer.Ordinal);

    private sealed record ImageFiles(BootImageRecord Record, Dictionary<string, string> ByLowerName);
}
