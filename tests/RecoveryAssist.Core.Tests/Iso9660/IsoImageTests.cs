using System.Buffers.Binary;
using System.Text;
using RecoveryAssist.Core.Iso9660;

namespace RecoveryAssist.Core.Tests.Iso9660;

/// <summary>The reader on hand-made images: what a real tool would never write (loops, bad extents), so that it is refused.</summary>
public sealed class IsoImageTests
{
    private const int Sector = IsoImage.SectorSize;
    private const int RootSector = 18;

    /// <summary>One directory record: name, flags (2 = directory, 0x80 = multi-extent), extent sector and length.</summary>
    private sealed record Record(string Name, byte Flags, uint ExtentSector, uint Length, byte? RecordLength = null);

    /// <summary>A primary volume descriptor, a terminator, and a root directory at sector 18 holding <paramref name="records"/>; sectors after it hold "data".</summary>
    private static MemoryStream Image(params Record[] records)
    {
        var image = new byte[Sector * 24];
        var pvd = image.AsSpan(16 * Sector, Sector);
        pvd[0] = 1;
        "CD001"u8.CopyTo(pvd[1..]);
        WriteRecord(pvd[156..], "\0", 2, RootSector, Sector);
        var terminator = image.AsSpan(17 * Sector, Sector);
        terminator[0] = 255;
        "CD001"u8.CopyTo(terminator[1..]);
        var position = RootSector * Sector;
        position += WriteRecord(image.AsSpan(position), "\0", 2, RootSector, Sector);
        position += WriteRecord(image.AsSpan(position), "\u0001", 2, RootSector, Sector);
        foreach (var record in records)
            position += WriteRecord(image.AsSpan(position), record.Name, record.Flags, record.ExtentSector, record.Length, record.RecordLength);
        Encoding.ASCII.GetBytes("kernel").CopyTo(image, 20 * Sector);
        return new MemoryStream(image);
    }

    private static int WriteRecord(Span<byte> target, string name, byte flags, uint sector, uint length, byte? recordLength = null)
    {
        var nameBytes = Encoding.ASCII.GetBytes(name);
        var size = 33 + nameBytes.Length + (nameBytes.Length % 2 == 0 ? 1 : 0);
        target[0] = recordLength ?? (byte)size;
        BinaryPrimitives.WriteUInt32LittleEndian(target[2..], sector);
        BinaryPrimitives.WriteUInt32LittleEndian(target[10..], length);
        target[25] = flags;
        target[32] = (byte)nameBytes.Length;
        nameBytes.CopyTo(target[33..]);
        return size;
    }

    [Fact]
    public void ReadTree_PlainNames_VersionSuffixStrippedAndExtentsKept()
    {
        var entries = IsoImage.ReadTree(Image(new Record("B.B00;1", 0, 20, 6), new Record("NOEXT.;1", 0, 20, 6)));

        entries.Select(e => e.Path).Should().Equal("B.B00", "NOEXT");
        entries[0].Offset.Should().Be(20 * Sector);
        entries[0].Length.Should().Be(6);
    }

    [Fact]
    public void ReadTree_DirectoryPointingAtTheRoot_RefusedAsALoop()
    {
        var act = () => IsoImage.ReadTree(Image(new Record("LOOP", 2, RootSector, Sector)));

        act.Should().Throw<IsoFormatException>().WithMessage("*entered twice*");
    }

    [Fact]
    public void ReadTree_ExtentBeyondTheEnd_RefusedNamingTheFile()
    {
        var act = () => IsoImage.ReadTree(Image(new Record("BIG.BIN;1", 0, 22, 10 * Sector)));

        act.Should().Throw<IsoFormatException>().WithMessage("/BIG.BIN: its extent*beyond the end of the image*");
    }

    [Theory]
    [InlineData("..", "would leave its directory")]
    [InlineData("A/B;1", "path separator")]
    [InlineData("A\\B;1", "path separator")]
    [InlineData("A\u0007B;1", "control character")]
    public void ReadTree_UnsafeName_Refused(string name, string reason)
    {
        var act = () => IsoImage.ReadTree(Image(new Record(name, 0, 20, 6)));

        act.Should().Throw<IsoFormatException>().WithMessage($"*{reason}*");
    }

    [Fact]
    public void ReadTree_MultiExtentFile_RefusedAsUnsupported()
    {
        var act = () => IsoImage.ReadTree(Image(new Record("PART.BIN;1", 0x80, 20, 6)));

        act.Should().Throw<IsoFormatException>().WithMessage("*multi-extent*");
    }

    [Fact]
    public void ReadTree_RecordLengthTooShort_RefusedWithItsPosition()
    {
        var act = () => IsoImage.ReadTree(Image(new Record("B.B00;1", 0, 20, 6, RecordLength: 12)));

        act.Should().Throw<IsoFormatException>().WithMessage("directory /: record at byte 68 has a bad length (12)");
    }

    [Fact]
    public void ReadTree_NotAnIso_RefusedAtTheFirstDescriptor()
    {
        var act = () => IsoImage.ReadTree(new MemoryStream(new byte[Sector * 20]));

        act.Should().Throw<IsoFormatException>().WithMessage("volume descriptor at sector 16: no CD001 signature*");
    }

    [Fact]
    public void ReadTree_TooManyEntries_Refused()
    {
        var act = () => IsoImage.ReadTree(Image(new Record("A;1", 0, 20, 6), new Record("B;1", 0, 20, 6)), maxEntries: 1);

        act.Should().Throw<IsoFormatException>().WithMessage("*more than 1 entries*");
    }
}
