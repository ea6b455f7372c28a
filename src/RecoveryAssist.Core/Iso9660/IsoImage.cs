using System.Buffers.Binary;
using System.Text;

namespace RecoveryAssist.Core.Iso9660;

/// <summary>A file or directory of an ISO 9660 image: its path (with '/' separators), and where its bytes are.</summary>
public sealed record IsoEntry(string Path, bool IsDirectory, long Offset, long Length);

/// <summary>An ISO 9660 image that cannot be read safely: the message says which record, where.</summary>
public sealed class IsoFormatException(string message) : Exception(message);

/// <summary>
/// Reads the directory tree of an ISO 9660 image (an ESXi installer ISO) without trusting it: Joliet names
/// when the image has them, else ISO 9660 names without their ";1" version; every extent must lie inside the
/// image, a directory may not be entered twice (loops), and names that could escape the target (separators,
/// "..", control characters) are refused. Pure: it only reads the stream it is given.
/// </summary>
public static class IsoImage
{
    public const int SectorSize = 2048;
    private const int FirstDescriptorSector = 16;
    private const int MaxDescriptors = 64;
    private const int MaxDepth = 16;

    /// <summary>Lists every file and directory. <paramref name="maxEntries"/> and <paramref name="maxTotalBytes"/> bound what an image may claim.</summary>
    /// <exception cref="IsoFormatException">The image is not ISO 9660, or a record is unsafe or out of bounds.</exception>
    public static IReadOnlyList<IsoEntry> ReadTree(Stream image, int maxEntries = 10_000, long maxTotalBytes = 8L << 30)
    {
        ArgumentNullException.ThrowIfNull(image);
        var root = FindRoot(image);
        var entries = new List<IsoEntry>();
        var visited = new HashSet<long>();
        var pending = new Stack<(string Path, long Offset, long Length, int Depth)>();
        pending.Push(("", root.Offset, root.Length, 0));
        long total = 0;
        while (pending.TryPop(out var directory))
        {
            if (!visited.Add(directory.Offset))
                throw new IsoFormatException($"directory /{directory.Path}: entered twice (a loop in the directory tree)");
            if (directory.Depth > MaxDepth)
                throw new IsoFormatException($"directory /{directory.Path}: nested deeper than {MaxDepth} levels");
            var data = ReadExtent(image, directory.Offset, directory.Length, $"directory /{directory.Path}");
            foreach (var record in Records(data, directory.Path, root.Joliet))
            {
                var path = directory.Path.Length == 0 ? record.Name : directory.Path + "/" + record.Name;
                var offset = record.Sector * SectorSize;
                if (offset + record.Length > image.Length)
                    throw new IsoFormatException($"/{path}: its extent (sector {record.Sector}, {record.Length} bytes) lies beyond the end of the image");
                if (entries.Count >= maxEntries)
                    throw new IsoFormatException($"the image has more than {maxEntries} entries");
                entries.Add(new IsoEntry(path, record.IsDirectory, offset, record.Length));
                if (record.IsDirectory)
                {
                    pending.Push((path, offset, record.Length, directory.Depth + 1));
                    continue;
                }
                total += record.Length;
                if (total > maxTotalBytes)
                    throw new IsoFormatException($"the files add up to more than {maxTotalBytes} bytes");
            }
        }
        return entries;
    }

    private static (long Offset, long Length, bool Joliet) FindRoot(Stream image)
    {
        (long, long, bool)? primary = null;
        var descriptor = new byte[SectorSize];
        for (var i = 0; i < MaxDescriptors; i++)
        {
            var offset = (long)(FirstDescriptorSector + i) * SectorSize;
            if (offset + SectorSize > image.Length)
                break;
            ReadAt(image, offset, descriptor);
            if (!descriptor.AsSpan(1, 5).SequenceEqual("CD001"u8))
                throw new IsoFormatException($"volume descriptor at sector {FirstDescriptorSector + i}: no CD001 signature (not an ISO 9660 image)");
            var type = descriptor[0];
            if (type == 255)
                break;
            var rootRecord = descriptor.AsSpan(156, 34);
            var root = ((long)BinaryPrimitives.ReadUInt32LittleEndian(rootRecord[2..]) * SectorSize, (long)BinaryPrimitives.ReadUInt32LittleEndian(rootRecord[10..]));
            // Joliet: a supplementary descriptor whose escape sequence names UCS-2 level 1, 2 or 3.
            if (type == 2 && descriptor[88] == '%' && descriptor[89] == '/' && descriptor[90] is (byte)'@' or (byte)'C' or (byte)'E')
                return (root.Item1, root.Item2, true);
            if (type == 1)
                primary ??= (root.Item1, root.Item2, false);
        }
        return primary ?? throw new IsoFormatException("no primary volume descriptor (not an ISO 9660 image)");
    }

    private static IEnumerable<(string Name, bool IsDirectory, long Sector, long Length)> Records(byte[] data, string directory, bool joliet)
    {
        var position = 0;
        while (position < data.Length)
        {
            var length = data[position];
            if (length == 0)
            {
                // Records never cross a sector boundary: the rest of this sector is padding.
                position = (position / SectorSize + 1) * SectorSize;
                continue;
            }
            if (length < 34 || position + length > data.Length)
                throw new IsoFormatException($"directory /{directory}: record at byte {position} has a bad length ({length})");
            var record = data.AsSpan(position, length);
            var nameLength = record[32];
            if (33 + nameLength > length)
                throw new IsoFormatException($"directory /{directory}: record at byte {position} has a name longer than the record");
            var rawName = record.Slice(33, nameLength);
            var flags = record[25];
            var start = position;
            position += length;
            if (nameLength == 1 && rawName[0] is 0 or 1)
                continue; // "." and ".." of the directory itself
            if ((flags & 0x80) != 0)
                throw new IsoFormatException($"directory /{directory}: record at byte {start} is a multi-extent file, which is not supported");
            if (record[26] != 0 || record[27] != 0)
                throw new IsoFormatException($"directory /{directory}: record at byte {start} is an interleaved file, which is not supported");
            var isDirectory = (flags & 0x02) != 0;
            var name = Name(rawName, joliet, isDirectory);
            if (Problem(name) is { } problem)
                throw new IsoFormatException($"directory /{directory}: record at byte {start}: the name {problem}");
            yield return (name, isDirectory, BinaryPrimitives.ReadUInt32LittleEndian(record[2..]), BinaryPrimitives.ReadUInt32LittleEndian(record[10..]));
        }
    }

    private static string Name(ReadOnlySpan<byte> raw, bool joliet, bool isDirectory)
    {
        var name = joliet ? Encoding.BigEndianUnicode.GetString(raw) : Encoding.ASCII.GetString(raw);
        if (isDirectory)
            return name;
        var version = name.LastIndexOf(';');
        if (version >= 0)
            name = name[..version];
        return name.EndsWith('.') ? name[..^1] : name;
    }

    private static string? Problem(string name) =>
        name.Length == 0 ? "is empty"
        : name is "." or ".." ? $"'{name}' would leave its directory"
        : name.Any(c => c is '/' or '\\' || char.IsControl(c)) ? "holds a path separator or a control character"
        : null;

    private static byte[] ReadExtent(Stream image, long offset, long length, string what)
    {
        if (length > 64L << 20 || offset + length > image.Length)
            throw new IsoFormatException($"{what}: its extent ({length} bytes at byte {offset}) lies outside the image");
        var data = new byte[length];
        ReadAt(image, offset, data);
        return data;
    }

    private static void ReadAt(Stream image, long offset, byte[] buffer)
    {
        image.Position = offset;
        image.ReadExactly(buffer);
    }
}
