using Microsoft.AspNetCore.Mvc;
using RecoveryAssist.Server.Features.Auth;
using RecoveryAssist.Server.Features.HostOps;

namespace RecoveryAssist.Server.Features.Web.Pages.Jobs;

[Requires(Permission.HostsRead)]
internal sealed class IndexModel(HostOpsService jobs) : WebPage
{
    public JobState? State { get; private set; }

    public IReadOnlyList<JobRecord> Jobs { get; private set; } = [];

    public void OnGet(JobState? state)
    {
        State = state;
        Jobs = jobs.List(null, state, 0, 100);
    }

    /// <summary>The table alone, for the live region.</summary>
    public IActionResult OnGetTable(JobState? state) => Partial("_JobTable", jobs.List(null, state, 0, 100));
}
