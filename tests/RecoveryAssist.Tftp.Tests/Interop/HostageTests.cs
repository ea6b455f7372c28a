using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using RecoveryAssist.Tftp.Files;
using RecoveryAssist.Tftp.Tests.TestSupport;

namespace RecoveryAssist.Tftp.Tests.Interop;

/// <summary>
/// The TFTP server cannot be held hostage (issue 13, finding 3): a burst of requests with the longest timeout, or a
/// flood of junk, from one address (127.0.0.2) leaves a real client on another address (127.0.0.1) served at once,
/// and an unanswered request costs one small packet. Each test runs its own server with the default limits.
/// </summary>
[Collection(InteropCollection.Name)]
public sealed class HostageTests(InteropFixture fixture)
{
    private const string Name = "one-mib.bin";
    private static readonly IPAddress Attacker = IPAddress.Parse("127.0.0.2");
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    private static readonly byte[] Content = RandomNumberGenerator.GetBytes(1024 * 1024);

    private static async Task<RunningServer> StartAsync() => await RunningServer.StartAsync(new TftpFileMap().AddBytes(Name, Content));

    private async Task FetchWithCurlAsync(RunningServer server)
    {
        string output = Path.Combine(fixture.Directory, $"{Guid.NewGuid():N}.out");
        var (exitCode, text) = await ExternalClient.RunAsync("curl", "curl",
            ["-sS", "--tftp-blksize", "1468", "-o", output, $"tftp://127.0.0.1:{server.EndPoint.Port.ToString(CultureInfo.InvariantCulture)}/{Name}"], Limit);
        exitCode.Should().Be(0, text);
        (await File.ReadAllBytesAsync(output)).Should().Equal(Content);
        File.Delete(output);
    }

    [ClientTheory("curl", "curl")]
    [InlineData(130)]
    public async Task Burst_RequestsWithLongestTimeout_OtherClientServedAndEachCostsOneSmallPacket(int requests)
    {
        await using var server = await StartAsync();
        var burst = Enumerable.Range(0, requests).Select(_ => new RawTftpClient(address: Attacker)).ToList();
        try
        {
            foreach (RawTftpClient client in burst)
            {
                client.SendReadRequest(server.EndPoint, Name, ("timeout", "255"), ("blksize", "65464"), ("windowsize", "64"), ("tsize", "0"));
            }

            await FetchWithCurlAsync(server);
            // Unanswered transfers give their slots back after the first-ACK deadline, not after 6 x 255 s.
            await server.Server.WaitForIdleAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

            var received = burst.Select(c => c.DrainQueued()).ToList();
            received.Should().OnlyContain(sizes => sizes.Count == 1, "one packet per request: the OACK once, or a refusal");
            received.SelectMany(s => s).Should().OnlyContain(size => size <= 100, "nothing large before the client has answered");
            received.Sum(s => s.Sum()).Should().BeLessThan(requests * 100);
        }
        finally
        {
            burst.ForEach(c => c.Dispose());
        }
    }

    [ClientTheory("curl", "curl")]
    [InlineData(20_000)]
    public async Task JunkFlood_FromOneAddress_OtherClientServedAtOnce(int packets)
    {
        await using var server = await StartAsync();
        var random = new Random(13);
        using var flood = new RawTftpClient(address: Attacker);
        byte[] junk = new byte[64];
        for (int i = 0; i < packets; i++)
        {
            switch (i % 4)
            {
                case 0:
                    flood.SendReadRequest(server.EndPoint, Name, ("timeout", "255"));
                    break;
                case 1:
                    flood.SendReadRequest(server.EndPoint, $"missing-{i}.bin");
                    break;
                default:
                    random.NextBytes(junk);
                    flood.Send(server.EndPoint, junk.AsSpan(0, random.Next(1, junk.Length)));
                    break;
            }
        }

        await FetchWithCurlAsync(server);

        server.Logger.Entries.Count(e => e.EventId == 5002 && e.Message.Contains("file not found", StringComparison.Ordinal))
            .Should().BeLessThan(packets / 4, "refusals of a flood are logged within a budget, not one line each");
    }
}
