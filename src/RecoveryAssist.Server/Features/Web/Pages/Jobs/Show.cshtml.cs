using Microsoft.AspNetCore.Mvc;
using RecoveryAssist.Server.Features.Auth;
using RecoveryAssist.Server.Features.HostOps;

namespace RecoveryAssist.Server.Features.Web.Pages.Jobs;

[Requires(Permission.HostsRead)]
internal sealed class ShowModel(HostOpsService jobs) : WebPage
{
    public JobRecord Job { get; private set; } = null!;

    public void OnGet(Guid id) => Job = jobs.Get(id);

    /// <summary>The steps alone, for the live region; the page stops asking once the job has ended.</summary>
    public IActionResult OnGetSteps(Guid id)
    {
        var job = jobs.Get(id);
        if (!job.IsActive)
            Response.Headers["X-Poll"] = "done";
        return Partial("_JobSteps", job);
    }

    public IActionResult OnPostResume(Guid id) => Act(id, () => jobs.Resume(id, Actor), "Looking again now.");

    public IActionResult OnPostRetry(Guid id) => Act(id, () => jobs.Retry(id, Actor), "Retrying from the failed step.");

    public IActionResult OnPostCancel(Guid id) => Act(id, () => jobs.Cancel(id, Actor), "Cancelled.");

    private IActionResult Act(Guid id, Action action, string notice)
    {
        if (!Can(Permission.HostsOperate))
            return Denied();
        if (Try(action))
            return Done(notice, $"/jobs/{id}");
        Job = jobs.Get(id);
        return Page();
    }
}
