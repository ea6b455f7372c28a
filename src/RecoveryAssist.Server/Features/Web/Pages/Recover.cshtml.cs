using Microsoft.AspNetCore.Mvc;
using RecoveryAssist.Server.Features.Auth;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Features.Recovery;

namespace RecoveryAssist.Server.Features.Web.Pages;

[Requires(Permission.SessionsOpen)]
internal sealed class RecoverModel(RecoverySessionService sessions, EscrowService escrow) : WebPage
{
    public static readonly IReadOnlyList<(string Value, string Text)> Reasons =
    [
        ("motherboard-replaced", "Motherboard (and TPM) replaced"),
        ("tpm-cleared", "TPM cleared"),
        ("tpm-failed", "TPM failed or replaced"),
        ("disk-moved", "Boot disk moved to another machine"),
        ("other", "Other (say why in the ticket)"),
    ];

    public string? Host { get; private set; }

    public string Reason { get; private set; } = "motherboard-replaced";

    public string? Ticket { get; private set; }

    public string Path { get; private set; } = "console";

    public IReadOnlyList<string> KnownHosts { get; private set; } = [];

    public void OnGet(Guid? hostId)
    {
        if (hostId is { } id)
            Host = escrow.GetHost(id).Name;
        KnownHosts = escrow.ListHosts(0, 500, null).Select(h => h.Name).ToList();
    }

    public IActionResult OnPost(string? host, string? reason, string? ticket, string? path)
    {
        (Host, Reason, Ticket, Path) = (host, reason ?? Reason, ticket, path ?? Path);
        RecoverySession? opened = null;
        if (Try(() => opened = sessions.Open(host?.Trim(), null, reason, ticket, path, Person)))
            return Done($"Session opened for {opened!.HostName}: a second person must approve it.", $"/sessions/{opened.Id}");
        KnownHosts = escrow.ListHosts(0, 500, null).Select(h => h.Name).ToList();
        return Page();
    }
}
