using RecoveryAssist.Server.Features.Audit;
using RecoveryAssist.Server.Features.Auth;

namespace RecoveryAssist.Server.Features.Web.Pages;

[Requires(Permission.AuditRead)]
internal sealed class AuditModel(AuditLog audit) : WebPage
{
    public string? Target { get; private set; }

    public string? ActorFilter { get; private set; }

    public string? ActionFilter { get; private set; }

    public DateTime? From { get; private set; }

    public DateTime? To { get; private set; }

    public long Count { get; private set; }

    public IReadOnlyList<AuditRecord> Records { get; private set; } = [];

    public (bool Ok, string Text)? Verdict { get; private set; }

    public void OnGet(string? target, string? actor, string? action, DateTime? from, DateTime? to)
    {
        (Target, ActorFilter, ActionFilter, From, To) = (target, actor, action, from, to);
        Count = audit.Count;
        Records = audit.Search(target, actor, action, from, to, 200);
    }

    public void OnPostVerify()
    {
        var problem = audit.Verify();
        Verdict = problem is null ? (true, "The chain holds: every record is in place and unchanged.") : (false, "The chain is broken: " + problem);
        OnGet(null, null, null, null, null);
    }
}
