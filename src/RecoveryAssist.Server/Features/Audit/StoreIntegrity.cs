using System.Collections.Concurrent;
using RecoveryAssist.Server.Storage;

namespace RecoveryAssist.Server.Features.Audit;

/// <summary>
/// What is known to be wrong with the store or its audit trail: checked at start (every collection reads,
/// the audit chain and its sealed head hold) and reported by the audit sink. <c>/healthz</c> says
/// <c>degraded</c> with these reasons; the appliance goes on serving what works.
/// </summary>
internal sealed partial class StoreIntegrity(ILogger<StoreIntegrity> logger)
{
    private readonly ConcurrentDictionary<string, string> _problems = new();

    public IReadOnlyList<string> Problems => _problems.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value).ToList();

    public void Report(string check, string problem)
    {
        if (_problems.TryGetValue(check, out var known) && known == problem)
            return;
        _problems[check] = problem;
        LogDegraded(logger, problem);
    }

    public void Clear(string check) => _problems.TryRemove(check, out _);

    /// <summary>The start-up check: every document of every collection reads, and the audit chain holds up to its sealed head.</summary>
    public void CheckStore(AppDatabase database, AuditLog audit)
    {
        if (database.CheckReadable() is { } unreadable)
            Report("store", "store damaged: " + unreadable);
        string? chain;
        try
        {
            chain = audit.Verify();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            chain = $"the audit records cannot be read ({e.Message})";
        }
        if (chain is not null)
            Report("audit chain", "audit chain broken: " + chain);
        if (_problems.ContainsKey("store") || _problems.ContainsKey("audit chain"))
            database.Reopen();
    }

    [LoggerMessage(EventId = 1501, Level = LogLevel.Critical, Message = "Degraded: {Problem}")]
    private static partial void LogDegraded(ILogger logger, string problem);
}
