using RecoveryAssist.Server.Features.Auth;
using RecoveryAssist.Server.Features.Escrow;

namespace RecoveryAssist.Server.Features.Web.Pages.Hosts;

[Requires(Permission.HostsRead)]
internal sealed class IndexModel(EscrowService escrow) : WebPage
{
    public const int PageSize = 100;

    private Dictionary<Guid, CoverageHost> _problems = [];

    public string? Query { get; private set; }

    public int Skip { get; private set; }

    public IReadOnlyList<HostRecord> Hosts { get; private set; } = [];

    public void OnGet(string? q, int skip = 0)
    {
        Query = q;
        Skip = Math.Max(0, skip);
        Hosts = string.IsNullOrWhiteSpace(q) ? escrow.ListHosts(Skip, PageSize, null) : escrow.Search(q, PageSize);
        var coverage = escrow.Coverage();
        _problems = coverage.WithoutKey.Concat(coverage.Stale).ToDictionary(h => h.Id);
    }

    public (string Text, string Tone) KeyState(Guid hostId) => _problems.TryGetValue(hostId, out var problem)
        ? (problem.LastVerified is null ? ("no key", "bad") : ("stale", "warn"))
        : ("verified", "ok");
}
