using System.Security.Cryptography;
using RecoveryAssist.Tftp.Files;
using RecoveryAssist.Tftp.Tests.TestSupport;

namespace RecoveryAssist.Tftp.Tests.Interop;

/// <summary>One server on a high loopback port and the files every client fetches.</summary>
public sealed class InteropFixture : IAsyncLifetime
{
    public static readonly IReadOnlyDictionary<string, int> Sizes = new Dictionary<string, int>
    {
        ["empty.bin"] = 0,
        ["block.bin"] = 512,
        ["block-plus-one.bin"] = 513,
        ["one-mib.bin"] = 1024 * 1024,
        ["forty-mib.bin"] = 40 * 1024 * 1024,
    };

    private readonly Dictionary<string, string> _hashes = [];
    private RunningServer? _server;

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("tftp-interop-").FullName;

    internal RunningServer Server => _server!;

    public string Hash(string name) => _hashes[name];

    public async Task InitializeAsync()
    {
        var random = new Random(5);
        var files = new TftpFileMap();
        foreach ((string name, int size) in Sizes)
        {
            byte[] content = new byte[size];
            random.NextBytes(content);
            _hashes[name] = Convert.ToHexString(SHA256.HashData(content));
            files.AddBytes(name, content);
        }

        _server = await RunningServer.StartAsync(files);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        System.IO.Directory.Delete(Directory, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class InteropCollection : ICollectionFixture<InteropFixture>
{
    public const string Name = "TFTP interop";
}
