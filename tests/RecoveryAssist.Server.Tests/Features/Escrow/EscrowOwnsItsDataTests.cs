namespace RecoveryAssist.Server.Tests.Features.Escrow;

/// <summary>
/// Escrow owns its data: other features read hosts and key versions through <c>HostStore</c> and <c>KeyVersionStore</c>,
/// never Escrow's LiteDB collections, so key status changes stay in one place with one audit action.
/// </summary>
public sealed class EscrowOwnsItsDataTests
{
    private static readonly string[] Forbidden =
    [
        "HostsCollection", "KeysCollection", "DriftCollection", "HostStore.Collection", "KeyVersionStore.Collection",
        "Collection<HostRecord>", "Collection<KeyVersionRecord>", "Collection<DriftEvent>",
        "\"hosts\"", "\"key_versions\"", "\"drift_events\"",
    ];

    [Fact]
    public void Sources_FeaturesOutsideEscrow_NeverNameEscrowCollections()
    {
        var features = Path.Combine(RepositoryRoot(), "src", "RecoveryAssist.Server", "Features");
        var escrow = Path.Combine(features, "Escrow") + Path.DirectorySeparatorChar;
        var files = Directory.EnumerateFiles(features, "*.cs", SearchOption.AllDirectories).Where(f => !f.StartsWith(escrow, StringComparison.Ordinal)).ToList();

        files.Should().NotBeEmpty();
        var offences = files
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: Path.GetRelativePath(features, f), Line: i + 1, Text: line)))
            .Where(l => Forbidden.Any(name => l.Text.Contains(name, StringComparison.Ordinal)))
            .Select(l => $"{l.File}:{l.Line}: {l.Text.Trim()}")
            .ToList();
        offences.Should().BeEmpty("features outside Escrow go through HostStore and KeyVersionStore");
    }

    [Fact]
    public void Sources_ScanFindsAnOffence_WhenOneIsWritten()
    {
        // The scan is only as good as its patterns: the way Recovery used to read keys must be caught.
        const string before = "database.Collection<KeyVersionRecord>(EscrowService.KeysCollection)";

        Forbidden.Should().Contain(name => before.Contains(name, StringComparison.Ordinal));
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "RecoveryAssist.sln")))
                return directory.FullName;
        }
        throw new InvalidOperationException("RecoveryAssist.sln not found above " + AppContext.BaseDirectory);
    }
}
