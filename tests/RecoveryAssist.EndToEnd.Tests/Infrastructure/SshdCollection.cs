namespace RecoveryAssist.EndToEnd.Tests.Infrastructure;

/// <summary>All simulator tests share one sshd; each test makes its own hosts, so tests never see each other's state.</summary>
[CollectionDefinition(Name)]
public sealed class SshdCollection : ICollectionFixture<SshdFixture>
{
    public const string Name = "sshd";
}

/// <summary>Unique host names per test run, so tests sharing one fixture never collide.</summary>
public static class HostNames
{
    private static int _next;

    public static string Next(string prefix = "esx") => $"{prefix}-{Interlocked.Increment(ref _next):D4}";
}
