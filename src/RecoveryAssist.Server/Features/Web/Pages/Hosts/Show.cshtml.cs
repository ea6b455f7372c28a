using Microsoft.AspNetCore.Mvc;
using RecoveryAssist.Server.Features.Auth;
using RecoveryAssist.Server.Features.Boot;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Features.HostOps;
using RecoveryAssist.Server.Features.Policy;
using RecoveryAssist.Server.Features.Recovery;

namespace RecoveryAssist.Server.Features.Web.Pages.Hosts;

[Requires(Permission.HostsRead)]
internal sealed class ShowModel(EscrowService escrow, HostOpsService jobs, RecoverySessionService sessions, PolicyService policy, BootService boot, HostSshAccess ssh) : WebPage
{
    public HostRecord Host { get; private set; } = null!;

    /// <summary>How the appliance reaches the host (never the secret), or null when it cannot.</summary>
    public SshAccessView? Ssh { get; private set; }

    /// <summary>The host's own desired policy, when it has one (tags and the fleet default are on the policies page).</summary>
    public DesiredPolicyView? OwnDesired { get; private set; }

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

    public IActionResult OnPostSsh(Guid id, string? userName, string? address, string? port, string? password, string? privateKey)
    {
        int? portNumber = null;
        if (!string.IsNullOrWhiteSpace(port))
        {
            if (!int.TryParse(port, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed))
                return Refused(id, "port must be a number between 1 and 65535.");
            portNumber = parsed;
        }
        return Act(id, Permission.HostsCredentials, () => ssh.Set(id, new SshAccessInput(userName, portNumber, address, password, privateKey), Actor),
            "SSH access saved; the host key stays pinned.");
    }

    public IActionResult OnPostRepin(Guid id, string? fingerprint) =>
        Act(id, Permission.HostKeysPin, () => ssh.Repin(id, string.IsNullOrWhiteSpace(fingerprint) ? null : fingerprint.Trim(), Actor),
            string.IsNullOrWhiteSpace(fingerprint) ? "The pin is removed: the key the host presents at the next contact is pinned." : "The host key is pinned again.");

    public IActionResult OnPostDesired(Guid id, string? mode, string? requireSecureBoot, string? requireExecInstalledOnly) =>
        Act(id, Permission.PolicyManage, () => policy.SetDesired(DesiredScope.Host, null, id, DesiredPolicyForm.Input(mode, requireSecureBoot, requireExecInstalledOnly), Actor),
            "This host's desired policy is saved; apply it to change the host.");

    public IActionResult OnPostRemoveDesired(Guid id) =>
        Act(id, Permission.PolicyManage, () => policy.RemoveDesired(DesiredScope.Host, null, id, Actor), "This host follows its tags and the fleet default again.");

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

    private IActionResult Refused(Guid id, string why)
    {
        Error = why;
        Response.StatusCode = StatusCodes.Status400BadRequest;
        Load(id);
        return Page();
    }

    private void Load(Guid id)
    {
        Host = escrow.GetHost(id);
        Ssh = ssh.Find(id) is { } access ? SshAccessView.From(access) : null;
        OwnDesired = policy.ListDesired().FirstOrDefault(d => d.Scope == "host" && d.HostId == id);
        Policy = policy.Show(id).Host;
        Keys = escrow.KeyVersions(id);
        Jobs = jobs.List(id, null, 0, 20);
        Sessions = sessions.List(id, openOnly: false, 0, 20);
        CheckIns = boot.CheckInsOf(id);
    }
}
