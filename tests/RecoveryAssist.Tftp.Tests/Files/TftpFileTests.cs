using RecoveryAssist.Tftp.Files;

namespace RecoveryAssist.Tftp.Tests.Files;

public sealed class TftpFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tftp-file-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private (string Path, byte[] Content) WriteFile(int length)
    {
        var content = new byte[length];
        new Random(length).NextBytes(content);
        string path = Path.Combine(_directory, $"f{length}.bin");
        File.WriteAllBytes(path, content);
        return (path, content);
    }

    [Theory]
    [InlineData(0, 512)]
    [InlineData(512, 512)]
    [InlineData(513, 512)]
    [InlineData(300_001, 512)]
    [InlineData(300_001, 1468)]
    [InlineData(300_001, 8192)]
    [InlineData(300_001, 65464)]
    public void OpenRead_BlockByBlock_SameBytesAsTheFile(int length, int blockSize)
    {
        var (path, content) = WriteFile(length);
        using TftpFile file = TftpFile.OpenRead(path);
        file.Length.Should().Be(length);

        var read = new List<byte>();
        var block = new byte[blockSize];
        for (long offset = 0; ; offset += blockSize)
        {
            int count = file.Read(offset, block);
            read.AddRange(block.AsSpan(0, count).ToArray());
            if (count < blockSize)
            {
                break;
            }
        }

        read.Should().Equal(content);
    }

    [Fact]
    public void OpenRead_RewindAfterTimeout_ReadsEarlierBlocksAgain()
    {
        var (path, content) = WriteFile(200_000);
        using TftpFile file = TftpFile.OpenRead(path);
        var block = new byte[1468];

        // Forward past the first read-ahead chunk, then back to a window that has left it.
        foreach (long offset in new long[] { 0, 70_000, 140_000, 1468, 199_000, 68_000 })
        {
            int count = file.Read(offset, block);
            int expected = (int)Math.Min(block.Length, content.Length - offset);
            count.Should().Be(expected);
            block.AsSpan(0, count).ToArray().Should().Equal(content.AsSpan((int)offset, expected).ToArray());
        }

        file.Read(content.Length, block).Should().Be(0);
        file.Read(content.Length + 10, block).Should().Be(0);
    }

    [Fact]
    public void OpenRead_FileShrinksWhileServed_FailsInsteadOfServingZeros()
    {
        var (path, _) = WriteFile(200_000);
        using TftpFile file = TftpFile.OpenRead(path);
        var block = new byte[512];
        file.Read(0, block).Should().Be(512);

        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            stream.SetLength(1000);
        }

        file.Invoking(f => f.Read(150_000, block)).Should().Throw<IOException>().WithMessage("*shorter*");
    }
}
