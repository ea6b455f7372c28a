using System.Globalization;
using System.Security.Cryptography;

namespace RecoveryAssist.Tftp.Tests.Interop;

/// <summary>Our server against the TFTP clients a datacenter actually runs. Each fetch is
/// checked by SHA-256 and by the server's own log line saying the transfer completed.</summary>
[Collection(InteropCollection.Name)]
public sealed class RealClientTests(InteropFixture fixture)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    private string Port => fixture.Server.EndPoint.Port.ToString(CultureInfo.InvariantCulture);

    private async Task FetchAndVerifyAsync(string name, string executable, string package, Func<string, IEnumerable<string>> arguments)
    {
        string output = Path.Combine(fixture.Directory, $"{Guid.NewGuid():N}.out");
        int completedBefore = Completed(name);

        var (exitCode, text) = await ExternalClient.RunAsync(executable, package, arguments(output), Limit);
        await fixture.Server.Server.WaitForIdleAsync(CancellationToken.None).WaitAsync(Limit);

        exitCode.Should().Be(0, text);
        File.Exists(output).Should().BeTrue(text);
        Convert.ToHexString(SHA256.HashData(await File.ReadAllBytesAsync(output))).Should().Be(fixture.Hash(name), text);
        Completed(name).Should().Be(completedBefore + 1, "the server must log the transfer as completed");
        File.Delete(output);
    }

    private int Completed(string name) =>
        fixture.Server.Logger.Entries.Count(e => e.EventId == 5002 && e.Message.StartsWith("TFTP transfer Completed", StringComparison.Ordinal)
            && e.Message.Contains($" file {name} ", StringComparison.Ordinal));

    [ClientTheory("curl", "curl")]
    [InlineData("empty.bin", 512)]
    [InlineData("block.bin", 512)]
    [InlineData("block-plus-one.bin", 512)]
    [InlineData("one-mib.bin", 512)]
    [InlineData("one-mib.bin", 1468)]
    [InlineData("one-mib.bin", 8192)]
    [InlineData("one-mib.bin", 65464)]
    [InlineData("forty-mib.bin", 512)]
    public Task Curl_Fetch_ChecksumMatches(string name, int blockSize) =>
        FetchAndVerifyAsync(name, "curl", "curl", output =>
            ["-sS", "--tftp-blksize", blockSize.ToString(CultureInfo.InvariantCulture), "-o", output, $"tftp://127.0.0.1:{Port}/{name}"]);

    [ClientTheory("curl", "curl")]
    [InlineData("block.bin")]
    [InlineData("one-mib.bin")]
    public Task Curl_FetchWithoutOptions_ChecksumMatches(string name) =>
        FetchAndVerifyAsync(name, "curl", "curl", output =>
            ["-sS", "--tftp-no-options", "-o", output, $"tftp://127.0.0.1:{Port}/{name}"]);

    [ClientTheory("tftp", "tftp-hpa")]
    [InlineData("empty.bin")]
    [InlineData("block.bin")]
    [InlineData("block-plus-one.bin")]
    [InlineData("one-mib.bin")]
    [InlineData("forty-mib.bin")]
    public Task TftpHpa_Fetch_ChecksumMatches(string name) =>
        FetchAndVerifyAsync(name, "tftp", "tftp-hpa", output =>
            ["-m", "binary", "127.0.0.1", Port, "-c", "get", name, output]);

    [ClientTheory("busybox", "busybox-static")]
    [InlineData("empty.bin", 512)]
    [InlineData("block.bin", 512)]
    [InlineData("block-plus-one.bin", 512)]
    [InlineData("one-mib.bin", 512)]
    [InlineData("one-mib.bin", 1468)]
    [InlineData("forty-mib.bin", 512)]
    public Task Busybox_Fetch_ChecksumMatches(string name, int blockSize) =>
        FetchAndVerifyAsync(name, "busybox", "busybox-static", output =>
            ["tftp", "-g", "-r", name, "-l", output, "-b", blockSize.ToString(CultureInfo.InvariantCulture), "127.0.0.1", Port]);

    [ClientTheory("atftp", "atftp")]
    [InlineData("empty.bin", 512, 1)]
    [InlineData("block.bin", 512, 1)]
    [InlineData("block-plus-one.bin", 512, 1)]
    [InlineData("one-mib.bin", 512, 1)]
    [InlineData("one-mib.bin", 1468, 4)]
    [InlineData("one-mib.bin", 1468, 16)]
    [InlineData("one-mib.bin", 8192, 64)]
    [InlineData("block-plus-one.bin", 512, 16)]
    [InlineData("forty-mib.bin", 512, 1)]
    [InlineData("forty-mib.bin", 512, 16)]
    public Task Atftp_Fetch_ChecksumMatches(string name, int blockSize, int windowSize) =>
        FetchAndVerifyAsync(name, "atftp", "atftp", output =>
        [
            "--get", "-r", name, "-l", output,
            "--option", $"blksize {blockSize.ToString(CultureInfo.InvariantCulture)}",
            "--option", $"windowsize {windowSize.ToString(CultureInfo.InvariantCulture)}",
            "127.0.0.1", Port,
        ]);
}
