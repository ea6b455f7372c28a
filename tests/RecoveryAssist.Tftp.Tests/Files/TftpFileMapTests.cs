using System.Net;
using System.Text;
using RecoveryAssist.Tftp.Files;

namespace RecoveryAssist.Tftp.Tests.Files;

public sealed class TftpFileMapTests : IDisposable
{
    private static readonly IPEndPoint Client = new(IPAddress.Parse("192.0.2.10"), 2000);
    private readonly string _directory = Directory.CreateTempSubdirectory("tftp-map-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static async Task<string?> ReadAsync(TftpFileMap map, string name, bool ignoreCase = false)
    {
        using TftpFile? file = await map.OpenAsync(new TftpFileRequest(name, Client, ignoreCase), CancellationToken.None);
        if (file is null)
        {
            return null;
        }

        byte[] content = new byte[file.Length];
        file.Read(0, content);
        return Encoding.UTF8.GetString(content);
    }

    [Fact]
    public async Task OpenAsync_StaticBytes_ReturnsThem()
    {
        var map = new TftpFileMap().AddBytes("a.txt", "hello"u8.ToArray());

        (await ReadAsync(map, "a.txt")).Should().Be("hello");
        (await ReadAsync(map, "b.txt")).Should().BeNull();
    }

    [Fact]
    public async Task OpenAsync_Generated_SeesClientEndpoint()
    {
        var map = new TftpFileMap().AddGenerated("boot.ipxe", (request, _) =>
            ValueTask.FromResult<ReadOnlyMemory<byte>?>(Encoding.UTF8.GetBytes($"#!ipxe for {request.Client.Address}")));

        (await ReadAsync(map, "boot.ipxe")).Should().Be("#!ipxe for 192.0.2.10");
    }

    [Fact]
    public async Task OpenAsync_GeneratorReturnsNull_NotFound()
    {
        var map = new TftpFileMap().AddGenerated("x", (_, _) => ValueTask.FromResult<ReadOnlyMemory<byte>?>(null));

        (await ReadAsync(map, "x")).Should().BeNull();
    }

    [Fact]
    public async Task OpenAsync_CaseDiffers_FoundOnlyWhenIgnoringCase()
    {
        var map = new TftpFileMap().AddBytes("undionly.kpxe", "x"u8.ToArray());

        (await ReadAsync(map, "UNDIONLY.KPXE")).Should().BeNull();
        (await ReadAsync(map, "UNDIONLY.KPXE", ignoreCase: true)).Should().Be("x");
    }

    [Fact]
    public async Task OpenAsync_IgnoringCaseWithTwoCandidates_ExactOnlyOrNotFound()
    {
        var map = new TftpFileMap().AddBytes("a", "lower"u8.ToArray()).AddBytes("A", "upper"u8.ToArray());

        (await ReadAsync(map, "A", ignoreCase: true)).Should().Be("upper");
        (await ReadAsync(map, "a", ignoreCase: true)).Should().Be("lower");
    }

    [Fact]
    public async Task AddDirectory_Files_ServedByRelativeNameAndSymlinksSkipped()
    {
        Directory.CreateDirectory(Path.Combine(_directory, "ipxe"));
        await File.WriteAllTextAsync(Path.Combine(_directory, "ipxe", "snponly.efi"), "efi");
        await File.WriteAllTextAsync(Path.Combine(_directory, "top"), "top");
        string outside = Path.Combine(Path.GetTempPath(), $"outside-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(outside, "secret");
        File.CreateSymbolicLink(Path.Combine(_directory, "link"), outside);

        try
        {
            var map = new TftpFileMap().AddDirectory(_directory);

            (await ReadAsync(map, "ipxe/snponly.efi")).Should().Be("efi");
            (await ReadAsync(map, "top")).Should().Be("top");
            (await ReadAsync(map, "link")).Should().BeNull();
            (await ReadAsync(map, "ipxe")).Should().BeNull();
        }
        finally
        {
            File.Delete(outside);
        }
    }

    [Fact]
    public async Task AddFile_DeletedAfterwards_NotFound()
    {
        string path = Path.Combine(_directory, "gone");
        await File.WriteAllTextAsync(path, "x");
        var map = new TftpFileMap().AddFile("gone", path);
        File.Delete(path);

        (await ReadAsync(map, "gone")).Should().BeNull();
    }

    [Theory]
    [InlineData("/abs")]
    [InlineData("../x")]
    [InlineData("a\\b")]
    public void AddBytes_UnservableName_Throws(string name)
    {
        var act = () => new TftpFileMap().AddBytes(name, Array.Empty<byte>());

        act.Should().Throw<ArgumentException>().WithMessage("*cannot be served over TFTP*");
    }
}
