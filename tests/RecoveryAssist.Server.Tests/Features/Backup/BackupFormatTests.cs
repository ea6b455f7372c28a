using System.Security.Cryptography;
using RecoveryAssist.Server.Features.Backup;
using RecoveryAssist.Server.Features.Secrets;

namespace RecoveryAssist.Server.Tests.Features.Backup;

/// <summary>The sealed format alone: round trips, and each kind of damage refused with its own message.</summary>
public sealed class BackupFormatTests : IDisposable
{
    private const int SmallChunk = 1024;
    private readonly KeyEncryptionKey _kek = KeyEncryptionKey.Create();

    public void Dispose() => _kek.Dispose();

    private byte[] Seal(byte[] plain, out BackupHeader header, string? passphrase = null)
    {
        var (fresh, key) = BackupArchive.NewKey(_kek, passphrase, DateTimeOffset.UnixEpoch);
        header = fresh with { ChunkSize = SmallChunk };
        using var output = new MemoryStream();
        using (key)
        using (var writer = new BackupWriter(output, header, key))
        {
            writer.Write(plain);
            writer.Complete();
        }
        return output.ToArray();
    }

    private byte[] Open(byte[] sealedBytes, string? passphrase = null)
    {
        using var input = new MemoryStream(sealedBytes);
        var (header, headerBytes) = BackupReader.ReadHeader(input);
        var salt = Convert.FromBase64String(header.Kdf.Salt);
        using var key = passphrase is null ? BackupKey.FromKek(_kek, salt) : BackupKey.FromPassphrase(passphrase, salt, header.Kdf.Iterations);
        using var reader = BackupReader.Open(input, header, headerBytes, key, "wrong key");
        using var plain = new MemoryStream();
        reader.CopyTo(plain);
        reader.ReadToEndAndVerify();
        return plain.ToArray();
    }

    private static int FirstChunkOffset(byte[] sealedBytes) => 8 + 4 + System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(sealedBytes.AsSpan(8)) + 32;

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(SmallChunk)]
    [InlineData(SmallChunk * 3 + 17)]
    public void Open_SealedUnderKek_ReturnsTheSameBytes(int length)
    {
        var plain = RandomNumberGenerator.GetBytes(length);

        Open(Seal(plain, out _)).Should().Equal(plain);
    }

    [Fact]
    public void Open_SealedUnderPassphrase_ReturnsTheSameBytes()
    {
        var plain = RandomNumberGenerator.GetBytes(SmallChunk * 2);

        var sealedBytes = Seal(plain, out var header, "a passphrase long enough");

        header.Kdf.Algorithm.Should().Be(BackupKey.Pbkdf2Algorithm);
        header.Kdf.Iterations.Should().Be(BackupKey.Pbkdf2Iterations);
        Open(sealedBytes, "a passphrase long enough").Should().Equal(plain);
    }

    [Fact]
    public void Open_WrongPassphrase_RefusedAsWrongKey()
    {
        var sealedBytes = Seal(RandomNumberGenerator.GetBytes(100), out _, "a passphrase long enough");

        var open = () => Open(sealedBytes, "another passphrase, wrong");

        open.Should().Throw<BackupException>().WithMessage("wrong key");
    }

    [Fact]
    public void Open_ByteFlippedInAChunk_RefusedNamingThePart()
    {
        var sealedBytes = Seal(RandomNumberGenerator.GetBytes(SmallChunk * 3), out _);
        // Inside the second chunk's ciphertext.
        sealedBytes[FirstChunkOffset(sealedBytes) + 4 + SmallChunk + 16 + 4 + 10] ^= 0x01;

        var open = () => Open(sealedBytes);

        open.Should().Throw<BackupException>().WithMessage("The backup is damaged at part 2 (byte *): it does not authenticate.");
    }

    [Fact]
    public void ReadHeader_ByteFlippedInHeader_RefusedAsDamagedHeader()
    {
        var sealedBytes = Seal(RandomNumberGenerator.GetBytes(10), out _);
        sealedBytes[20] ^= 0x01;

        var open = () => Open(sealedBytes);

        open.Should().Throw<BackupException>().WithMessage("The backup is damaged: its header does not match its checksum.");
    }

    [Fact]
    public void Open_LastPartCutOff_RefusedAsCutOff()
    {
        var sealedBytes = Seal(RandomNumberGenerator.GetBytes(SmallChunk * 2 + 5), out _);
        // Drop the last chunk (5 bytes + tag, with its length).
        var cut = sealedBytes[..^(4 + 5 + 16)];

        var open = () => Open(cut);

        open.Should().Throw<BackupException>().WithMessage("The backup is cut off after part 2*");
    }

    [Fact]
    public void Open_DataAfterLastPart_Refused()
    {
        var sealedBytes = Seal(RandomNumberGenerator.GetBytes(10), out _);

        var open = () => Open([.. sealedBytes, 0]);

        open.Should().Throw<BackupException>().WithMessage("The backup is damaged: there is data after its last part.");
    }

    [Fact]
    public void Open_ChunksSwapped_Refused()
    {
        var sealedBytes = Seal(RandomNumberGenerator.GetBytes(SmallChunk * 2 + 1), out _);
        var first = FirstChunkOffset(sealedBytes);
        var length = 4 + SmallChunk + 16;
        var swapped = sealedBytes.ToArray();
        sealedBytes.AsSpan(first, length).CopyTo(swapped.AsSpan(first + length));
        sealedBytes.AsSpan(first + length, length).CopyTo(swapped.AsSpan(first));

        var open = () => Open(swapped);

        open.Should().Throw<BackupException>().WithMessage("The backup is damaged at part 1 *");
    }

    [Fact]
    public void ReadHeader_NotABackup_Refused()
    {
        var open = () => Open("SQLite format 3\0 and more"u8.ToArray());

        open.Should().Throw<BackupException>().WithMessage("This is not a RecoveryAssist backup*");
    }

    [Fact]
    public void Header_HoldsNoKeyMaterial()
    {
        var sealedBytes = Seal(RandomNumberGenerator.GetBytes(10), out var header, "a passphrase long enough");
        var text = System.Text.Encoding.UTF8.GetString(sealedBytes, 0, FirstChunkOffset(sealedBytes));

        text.Should().NotContain(_kek.ExportBase64()).And.NotContain("a passphrase long enough");
        header.ToString().Should().NotContain(_kek.ExportBase64());
    }
}
