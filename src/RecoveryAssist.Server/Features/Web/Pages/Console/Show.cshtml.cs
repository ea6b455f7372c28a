using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using RecoveryAssist.Core.Qr;
using RecoveryAssist.Server.Features.Auth;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Features.HostOps;
using RecoveryAssist.Server.Features.Recovery;
using RecoveryAssist.Server.Hosting;

namespace RecoveryAssist.Server.Features.Web.Pages.Console;

/// <summary>
/// The console operator's page. A GET shows the machine's identity and a button; only posting that form
/// (antiforgery-checked) reveals the key, audited, and answers with the kiosk page (<see cref="KioskPage"/>).
/// </summary>
[Requires(Permission.KeysReveal)]
internal sealed class ShowModel(
    RecoverySessionService sessions, EscrowService escrow, HostOpsService jobs, IOptions<RecoveryOptions> options,
    IAntiforgery antiforgery, TimeProvider time) : WebPage
{
    public RecoverySession Session { get; private set; } = null!;

    public HostRecord Host { get; private set; } = null!;

    public RecoveryProgress Progress { get; private set; } = null!;

    public bool Blanked { get; private set; }

    public int BlankAfter => options.Value.KioskBlankAfterSeconds;

    public bool MayReveal => Session.State is SessionState.Approved or SessionState.Revealed or SessionState.Armed;

    public string Why => Session.State switch
    {
        SessionState.Opened => "A second person must approve the session first (Sessions inbox). This page does not refresh by itself: reload it after the approval.",
        SessionState.HostSeenUp => "The host is up: the key is being rotated, and is no longer shown.",
        _ => "The session is closed: the key is not shown.",
    };

    public void OnGet(Guid id, bool blanked = false)
    {
        Blanked = blanked;
        Load(id);
    }

    public IActionResult OnPost(Guid id, string? enter)
    {
        try
        {
            var by = RecoveryEndpoints.Require(HttpContext, sessions, Permission.KeysReveal, id, "session.reveal");
            var payload = new QrPayloadOptions(true, RecoveryEndpoints.ParseEnter(enter) ?? QrEnter.None);
            var revealed = sessions.Reveal(id, by, "console-page", null);
            var nonce = HttpContext.Nonce();
            Response.Headers.ContentSecurityPolicy = KioskPage.ContentSecurityPolicy(nonce);
            var token = antiforgery.GetAndStoreTokens(HttpContext).RequestToken ?? "";
            return Content(KioskPage.Render(revealed, payload, time.GetUtcNow(), options.Value.KioskBlankAfterSeconds, nonce, token), "text/html; charset=utf-8");
        }
        catch (ProblemException e)
        {
            Error = e.Message;
            Response.StatusCode = e.Status;
            Load(id);
            return Page();
        }
    }

    private void Load(Guid id)
    {
        Session = sessions.Get(id);
        Host = escrow.GetHost(Session.HostId);
        Progress = RecoveryProgress.Of(Session, jobs);
    }
}
