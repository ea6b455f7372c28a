using Microsoft.AspNetCore.Mvc;
using RecoveryAssist.Server.Features.Auth;
using RecoveryAssist.Server.Features.Boot;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Features.HostOps;
using RecoveryAssist.Server.Features.Policy;
using RecoveryAssist.Server.Features.Recovery;

namespace RecoveryAssist.Server.Features.Web.Pages.Hosts;

[Requires(Permission.HostsRead)]
internal sealed class ShowModel(EscrowService escrow, HostOpsService jobs, RecoverySessionService sessions, PolicyService policy, BootService boot) : WebPage
{
    public HostRecord Host { get; private set; } = null!;

    public HostPolicyView? Policy { get; private set; }

    public IReadOnlyList<KeyVersionRecord> Keys { get; private set; } = [];

    public IReadOnlyList<JobRecord> Jobs { get; private set; } = [];

    public IReadOnlyList<RecoverySession> Sessions { get; private set; } = [];

    public IReadOnlyList<CheckInRecord> CheckIns { get; private set; } = [];

    public void OnGet(Guid id) => Load(id);

    public IActionResult OnPostCollect(Guid id) =>
        Act(id, Permission.HostsOperate, () => jobs.Start(JobKind.Collect, id, null, Actor), "Collection started.");

    public IActionResult OnPostRotate(Guid id) =>
        Act(id, Permission.HostsOperate, () => jobs.Start(JobKind.Rotate, id, null, Actor), "Rotation started.");

    public IActionResult OnPostApply(Guid id)
    {
        PolicyChangeView? started = null;
        return Act(id, Permission.PolicyManage, () => started = policy.Apply(id, new PolicyChangeInput(), Actor, Can(Permission.PolicyForce)), () => started!.Summary);
    }

    public IActionResult OnPostEdit(Guid id, string? managementAddress, string? bmcAddress, string? macs, string? tags, string? kernelOpt)
    {
        static List<string> Items(string? text) => (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
        return Act(id, Permission.HostsWrite, () =>
        {
            var h = escrow.GetHost(id);
            escrow.UpdateHost(id, new HostInput(h.Name, Blank(managementAddress), h.SmbiosUuid, h.Serial, Items(macs), Blank(bmcAddress),
                h.EsxiVersion, h.EsxiBuild, Blank(kernelOpt), Items(tags)), Actor);
        }, "Saved.");
    }

    private IActionResult Act(Guid id, Permission permission, Action action, string notice) => Act(id, permission, action, () => notice);

    private IActionResult Act(Guid id, Permission permission, Action action, Func<string> notice)
    {
        if (!Can(permission))
            return Denied();
        if (Try(action))
            return Done(notice(), $"/hosts/{id}");
        Load(id);
        return Page();
    }

    private void Load(Guid id)
    {
        Host = escrow.GetHost(id);
        Policy = policy.Show(id).Host;
        Keys = escrow.KeyVersions(id);
        Jobs = jobs.List(id, null, 0, 20);
        Sessions = sessions.List(id, openOnly: false, 0, 20);
        CheckIns = boot.ListCheckIns(false, 0, 1000).Where(c => c.BoundHostId == id).ToList();
    }
}
