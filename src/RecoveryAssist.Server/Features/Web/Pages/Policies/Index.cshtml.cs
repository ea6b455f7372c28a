using Microsoft.AspNetCore.Mvc;
using RecoveryAssist.Server.Features.Auth;
using RecoveryAssist.Server.Features.Policy;

namespace RecoveryAssist.Server.Features.Web.Pages.Policies;

/// <summary>
/// The desired TPM policies by scope (the fleet default and per tag; a host's own is set on its page), with the
/// fleet's compliance against them. Everyone who reads hosts sees them; those who manage policy change them.
/// </summary>
[Requires(Permission.HostsRead)]
internal sealed class IndexModel(PolicyService policy) : WebPage
{
    public IReadOnlyList<DesiredPolicyView> Desired { get; private set; } = [];

    public PolicyReportSummary? Summary { get; private set; }

    public void OnGet() => Load();

    public IActionResult OnPostSet(string? scope, string? tag, string? mode, string? requireSecureBoot, string? requireExecInstalledOnly)
    {
        if (!Can(Permission.PolicyManage))
            return Denied();
        var input = DesiredPolicyForm.Input(mode, requireSecureBoot, requireExecInstalledOnly);
        var isTag = scope == "tag";
        if (Try(() => policy.SetDesired(isTag ? DesiredScope.Tag : DesiredScope.Default, isTag ? tag : null, null, input, Actor)))
            return Done(isTag ? $"The desired policy of tag {tag?.Trim()} is saved." : "The fleet's default policy is saved.", "/policies");
        Load();
        return Page();
    }

    public IActionResult OnPostRemove(string? scope, string? tag)
    {
        if (!Can(Permission.PolicyManage))
            return Denied();
        var isTag = scope == "tag";
        if (Try(() => policy.RemoveDesired(isTag ? DesiredScope.Tag : DesiredScope.Default, isTag ? tag : null, null, Actor)))
            return Done(isTag ? $"Tag {tag} no longer has a desired policy of its own." : "The fleet's default policy is removed: the baseline applies.", "/policies");
        Load();
        return Page();
    }

    private void Load()
    {
        Desired = policy.ListDesired();
        if (Can(Permission.ReportsRead))
            Summary = policy.Report(null).Summary;
    }
}
