using System.IO.Compression;
using System.Text;

namespace RecoveryAssist.EndToEnd.Tests.Pxe;

/// <summary>A gzip-compressed cpio archive in the "newc" format, as the Linux kernel unpacks an initramfs.</summary>
internal sealed class Cpio
{
    private readonly MemoryStream _archive = new();
    private int _inode = 1;

    public Cpio Directory(string name) => Add(name, 0x41ED /* S_IFDIR | 0755 */, []);

    public Cpio File(string name, byte[] content, bool executable = false) =>
        Add(name, executable ? 0x81ED /* S_IFREG | 0755 */ : 0x81A4 /* S_IFREG | 0644 */, content);

    public byte[] ToGzip()
    {
        Add("TRAILER!!!", 0, []);
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
            _archive.WriteTo(gzip);
        return output.ToArray();
    }

    private Cpio Add(string name, int mode, byte[] content)
    {
        var nameBytes = Encoding.ASCII.GetBytes(name + "\0");
        var fields = new[] { _inode++, mode, 0, 0, 1, 0, content.Length, 0, 0, 0, 0, nameBytes.Length, 0 };
        var header = new StringBuilder("070701");
        foreach (var field in fields)
            header.Append(field.ToString("X8", System.Globalization.CultureInfo.InvariantCulture));
        Write(Encoding.ASCII.GetBytes(header.ToString()));
        Write(nameBytes);
        Pad();
        Write(content);
        Pad();
        return this;
    }

    private void Write(byte[] bytes) => _archive.Write(bytes);

    private void Pad()
    {
        while (_archive.Length % 4 != 0)
            _archive.WriteByte(0);
    }
}
