using RecoveryAssist.Server.Features.Auth;
using RecoveryAssist.Server.Features.Escrow;

namespace RecoveryAssist.Server.Features.Web.Pages.Hosts;

[Requires(Permission.HostsRead)]
internal sealed class IndexModel(EscrowService escrow, EscrowReports reports) : WebPage
{
    public const int PageSize = 100;

    public string? Query { get; private set; }

    public int Skip { get; private set; }

    public IReadOnlyList<HostRecord> Hosts { get; private set; } = [];

    public void OnGet(string? q, int skip = 0)
    {
        Query = q;
        Skip = Math.Max(0, skip);
        Hosts = string.IsNullOrWhiteSpace(q) ? escrow.ListHosts(Skip, PageSize, null) : escrow.Search(q, PageSize);
    }

    /// <summary>Per listed host only: a page of a large fleet never reads every host's keys.</summary>
    public (string Text, string Tone) KeyState(Guid hostId) => reports.KeyState(hostId) switch
    {
        CoverageState.NoKey => ("no key", "bad"),
        CoverageState.Stale => ("stale", "warn"),
        CoverageState.RotationNotSaved => ("rotation not saved", "warn"),
        _ => ("verified", "ok"),
    };
}
