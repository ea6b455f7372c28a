using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using RecoveryAssist.Core.Boot;
using RecoveryAssist.Core.Qr;

namespace RecoveryAssist.Server.Features.Recovery;

/// <summary>
/// The console operator's page for one approved session, rendered to a string before it is sent: host
/// identity, a large QR code, the 16 groups, the two-code variant, an entry check, and a countdown. The
/// page removes the key from the document after a configurable time and at expiry (with scripts off, a
/// refresh to the blanked page does it). The key appears only in the body, never in a URL. Printing gives
/// the recovery sheet (print stylesheet).
/// </summary>
internal static class KioskPage
{
    private static readonly HtmlEncoder Html = HtmlEncoder.Default;

    public static string ContentSecurityPolicy(string? nonce) => nonce is null
        ? "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        : $"default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public static string Render(RevealedKey revealed, QrPayloadOptions options, DateTimeOffset now, int blankAfterSeconds, string nonce)
    {
        var session = revealed.Session;
        var host = revealed.Host;
        var key = revealed.Key;
        var id = session.Id.ToString();
        var expires = new DateTimeOffset(DateTime.SpecifyKind(session.Expires, DateTimeKind.Utc));
        var secondsLeft = Math.Max(0, (int)Math.Ceiling((expires - now).TotalSeconds));
        var blankAfter = Math.Min(blankAfterSeconds, secondsLeft);
        var single = QrPayload.Single(key, options);
        var split = QrPayload.Split(key, options);
        var line = BootOptionLine.Build(null, key);
        string? fullLine = null;
        if (!string.IsNullOrEmpty(host.KernelOpt))
        {
            try
            {
                fullLine = BootOptionLine.Build(host.KernelOpt, key).FullLine;
            }
            catch (ArgumentException)
            {
                fullLine = null;
            }
        }
        var enterNote = options.Enter switch
        {
            QrEnter.None => "It does not press Enter: check the line, then press Enter yourself.",
            _ => "It presses Enter at the end.",
        };

        var page = new StringBuilder(32 * 1024);
        page.Append("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<meta name=\"referrer\" content=\"no-referrer\">\n")
            .Append(CultureInfo.InvariantCulture, $"<noscript><meta http-equiv=\"refresh\" content=\"{blankAfter};url=/console/sessions/{id}/blanked\"></noscript>\n")
            .Append(CultureInfo.InvariantCulture, $"<title>Recovery of {E(host.Name)}</title>\n")
            .Append(CultureInfo.InvariantCulture, $"<style nonce=\"{nonce}\">{Style}</style>\n</head>\n<body>\n");

        page.Append("<header>\n")
            .Append(CultureInfo.InvariantCulture, $"<h1>Recovery of <span class=\"host\">{E(host.Name)}</span></h1>\n")
            .Append(CultureInfo.InvariantCulture, $"<p class=\"timers screen-only\">Session expires in <strong id=\"countdown\" data-expires=\"{expires:O}\" data-seconds-left=\"{secondsLeft}\">{Clock(secondsLeft)}</strong>")
            .Append(CultureInfo.InvariantCulture, $" &middot; screen blanks in <strong id=\"blank-countdown\" data-blank-after=\"{blankAfter}\">{Clock(blankAfter)}</strong></p>\n")
            .Append("</header>\n<main id=\"secret\">\n");

        page.Append("<section class=\"identity\">\n<h2>Make sure this is the machine</h2>\n<table>\n");
        Row(page, "Host", host.Name);
        Row(page, "Serial", host.Serial);
        Row(page, "Management address", host.ManagementAddress);
        Row(page, "SMBIOS UUID", host.SmbiosUuid);
        Row(page, "MAC addresses", host.MacAddresses.Count == 0 ? null : string.Join(", ", host.MacAddresses));
        Row(page, "BMC address", host.BmcAddress);
        Row(page, "Recovery ID", session.RecoveryId);
        Row(page, "Session", id);
        Row(page, "Ticket", session.Ticket);
        Row(page, "Reason", SessionNames.Of(session.Reason));
        Row(page, "Approved by", session.ApprovalWaived ? session.ApprovedBy + " (approval waived by policy)" : session.ApprovedBy);
        page.Append("</table>\n</section>\n");

        page.Append("<section class=\"steps\">\n<h2>At the console</h2>\n<ol>\n");
        foreach (var step in RevealResponse.ConsoleSteps)
            page.Append(CultureInfo.InvariantCulture, $"<li>{E(step)}</li>\n");
        page.Append("</ol>\n</section>\n");

        page.Append("<section class=\"qr-single\">\n<h2>Scan into the prompt</h2>\n")
            .Append(CultureInfo.InvariantCulture, $"<div class=\"qr qr-large\" id=\"qr-single\">{Svg(single)}</div>\n")
            .Append(CultureInfo.InvariantCulture, $"<p>The scanner types a space, then <code>encryptionRecoveryKey=</code> and the key. {E(enterNote)}</p>\n")
            .Append("</section>\n");

        page.Append("<section class=\"groups\">\n<h2>Or type it: 16 groups</h2>\n<ol class=\"key-groups\">\n");
        var groups = key.RevealGroups();
        for (var i = 0; i < groups.Count; i++)
            page.Append(CultureInfo.InvariantCulture, $"<li><span class=\"n\">{i + 1}</span> <code>{groups[i]}</code></li>\n");
        page.Append("</ol>\n")
            .Append(CultureInfo.InvariantCulture, $"<p>Text to type after the options shown (one space first):</p>\n<pre class=\"type\">{E(line.TextToType)}</pre>\n");
        if (fullLine is not null)
            page.Append(CultureInfo.InvariantCulture, $"<p>The whole line should then read:</p>\n<pre class=\"type\">{E(fullLine)}</pre>\n");
        page.Append("</section>\n");

        AppendCandidates(page, revealed.Candidates);

        page.Append("<section class=\"qr-split\">\n<h2>Scanner with a short buffer? Two codes, in order</h2>\n<div class=\"pair\">\n");
        foreach (var part in split)
        {
            var types = part.Part == 1 ? "types the space, the option name and groups 1 to 8 with the dash after group 8" : "types groups 9 to 16" + (options.Enter == QrEnter.None ? "" : " and Enter");
            page.Append(CultureInfo.InvariantCulture, $"<figure><div class=\"qr\" id=\"qr-part-{part.Part}\">{Svg(part)}</div><figcaption>Code {part.Part} of 2: {types}</figcaption></figure>\n");
        }
        page.Append("</div>\n</section>\n");

        page.Append("<section class=\"check screen-only\">\n<h2>Check what was typed</h2>\n")
            .Append("<p>Type or scan here what you entered at the prompt; the appliance says which groups differ, never the right digits.</p>\n")
            .Append("<textarea id=\"typed\" rows=\"2\" cols=\"70\" autocomplete=\"off\" spellcheck=\"false\"></textarea>\n")
            .Append("<button type=\"button\" id=\"check\">Check</button>\n<div id=\"check-result\" aria-live=\"polite\"></div>\n</section>\n");

        page.Append("<p class=\"single-use\">Single use: the key is rotated after recovery.</p>\n")
            .Append(CultureInfo.InvariantCulture, $"<p class=\"print-only\">Printed for session {id} (ticket {E(session.Ticket)}), reveal {session.Reveals.Count}, {now.UtcDateTime.ToString("u", CultureInfo.InvariantCulture)}. Destroy this sheet after the recovery.</p>\n")
            .Append("<p class=\"screen-only\"><button type=\"button\" id=\"print\">Print recovery sheet</button> <button type=\"button\" id=\"blank-now\">Blank now</button></p>\n")
            .Append("</main>\n");

        page.Append(CultureInfo.InvariantCulture, $"<div id=\"blanked\" hidden><p id=\"blanked-why\">The key was removed from the screen.</p><p>To show it again, reload this page: each showing is recorded in the audit log.</p></div>\n");
        page.Append(CultureInfo.InvariantCulture, $"<script nonce=\"{nonce}\">{Script.Replace("__SESSION__", id, StringComparison.Ordinal)}</script>\n</body>\n</html>\n");
        return page.ToString();
    }

    /// <summary>
    /// A rotated key whose save is not confirmed, offered second and labelled so: the key above (the saved one) is what
    /// the next boot needs; this one only if the host refuses it.
    /// </summary>
    private static void AppendCandidates(StringBuilder page, IReadOnlyList<CandidateKey> candidates)
    {
        foreach (var candidate in candidates)
        {
            page.Append(CultureInfo.InvariantCulture, $"<section class=\"candidate\" id=\"candidate-{candidate.KeyVersion}\">\n<h2>Second candidate: {E(candidate.Label)}</h2>\n")
                .Append("<p>Use the key above first: it is the saved key the host's next boot needs. Only if the host answers \"Unable to recover the system configuration\" with it, type this one.</p>\n")
                .Append(CultureInfo.InvariantCulture, $"<p>Recovery ID {E(candidate.RecoveryId)}, version {candidate.KeyVersion}. Text to type:</p>\n")
                .Append(CultureInfo.InvariantCulture, $"<pre class=\"type\">{E(BootOptionLine.Build(null, candidate.Key).TextToType)}</pre>\n</section>\n");
        }
    }

    /// <summary>Where the page goes when it blanks with scripts off: the session's state, no key.</summary>
    public static string RenderBlanked(RecoverySession session) =>
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"referrer\" content=\"no-referrer\">\n"
        + $"<title>Recovery of {E(session.HostName)}: blanked</title>\n</head>\n<body>\n"
        + $"<h1>Recovery of {E(session.HostName)}</h1>\n<p>The key was removed from the screen. Session {session.Id} is {E(SessionNames.Status(session.State))}.</p>\n"
        + (session.IsOpen && session.State is not (SessionState.Opened or SessionState.HostSeenUp)
            ? $"<p><a href=\"/console/sessions/{session.Id}\">Show the key again</a> (recorded in the audit log).</p>\n"
            : "")
        + "</body>\n</html>\n";

    private static string Svg(QrPayload payload)
    {
        var svg = QrImage.Svg(payload);
        // Inline SVG needs no XML declaration; QRCoder's output may or may not carry one.
        var start = svg.IndexOf("<svg", StringComparison.Ordinal);
        var label = payload.Parts == 1 ? "QR code with the recovery text" : $"QR code {payload.Part} of {payload.Parts}";
        return svg[start..].Replace("<svg ", $"<svg role=\"img\" aria-label=\"{label}\" ", StringComparison.Ordinal);
    }

    private static void Row(StringBuilder page, string name, string? value)
    {
        if (!string.IsNullOrWhiteSpace(value))
            page.Append(CultureInfo.InvariantCulture, $"<tr><th>{E(name)}</th><td>{E(value)}</td></tr>\n");
    }

    private static string Clock(int seconds) =>
        string.Create(CultureInfo.InvariantCulture, $"{seconds / 60:D2}:{seconds % 60:D2}");

    private static string E(string? text) => Html.Encode(text ?? "");

    private const string Style = """
body{font-family:system-ui,sans-serif;margin:1rem 2rem;color:#111;background:#fff}
h1{margin:.2rem 0}h2{font-size:1.1rem;margin:1rem 0 .4rem}
.timers{font-size:1.2rem}
table{border-collapse:collapse}th{text-align:left;padding:.1rem 1rem .1rem 0;font-weight:600}td{font-family:ui-monospace,monospace}
.qr svg{display:block;width:100%;height:auto}
.qr-large{width:min(80vh,90vw,640px)}
.pair{display:flex;gap:2rem;flex-wrap:wrap}.pair figure{margin:0;width:min(40vh,42vw,360px)}
.key-groups{display:grid;grid-template-columns:repeat(4,auto);gap:.3rem 2rem;list-style:none;padding:0;font-size:1.6rem;justify-content:start}
.key-groups .n{display:inline-block;min-width:1.6em;color:#666;font-size:1rem;text-align:right}
.key-groups code{font-family:ui-monospace,monospace;letter-spacing:.08em}
pre.type{font-size:1.1rem;white-space:pre-wrap;word-break:break-all;background:#f3f3f3;padding:.4rem}
.single-use{font-weight:700;font-size:1.2rem}
.print-only{display:none}
.ok{color:#060}.bad{color:#a00;font-weight:700}
@media print{
 .screen-only{display:none!important}.print-only{display:block}
 body{margin:0}.qr-large{width:9cm}.pair figure{width:6cm}
 .key-groups{font-size:14pt}section{break-inside:avoid}
}
""";

    // Blanking removes the key from the document, not only from view. The check sends the typed text
    // in a POST body to the JSON API with the page's own sign-in cookie.
    private const string Script = """
(function(){
var id='__SESSION__';
var countdown=document.getElementById('countdown');
var blankEl=document.getElementById('blank-countdown');
var left=parseInt(countdown.dataset.secondsLeft,10);
var blankLeft=parseInt(blankEl.dataset.blankAfter,10);
function clock(s){s=Math.max(0,s);var m=Math.floor(s/60),r=s%60;return (m<10?'0':'')+m+':'+(r<10?'0':'')+r;}
function blank(why){var s=document.getElementById('secret');if(s){s.remove();}
 var b=document.getElementById('blanked');document.getElementById('blanked-why').textContent=why;b.hidden=false;clearInterval(timer);}
var timer=setInterval(function(){left--;blankLeft--;countdown.textContent=clock(left);blankEl.textContent=clock(blankLeft);
 if(left<=0){blank('The session expired: the key was removed from the screen.');}
 else if(blankLeft<=0){blank('The key was removed from the screen after the set time.');}},1000);
document.getElementById('blank-now').addEventListener('click',function(){blank('The key was removed from the screen.');});
document.getElementById('print').addEventListener('click',function(){window.print();});
document.getElementById('check').addEventListener('click',function(){
 var out=document.getElementById('check-result');out.textContent='Checking...';
 fetch('/api/sessions/'+id+'/check',{method:'POST',credentials:'same-origin',headers:{'Content-Type':'application/json'},
  body:JSON.stringify({typed:document.getElementById('typed').value})})
 .then(function(r){return r.json().then(function(j){return {ok:r.ok,body:j};});})
 .then(function(r){out.textContent='';
  if(!r.ok){out.textContent=r.body.detail||'The check was refused.';return;}
  var p=document.createElement('p');p.className=r.body.matches?'ok':'bad';
  p.textContent=r.body.matches?'Every group matches.':'Not right yet:';out.appendChild(p);
  var ul=document.createElement('ul');
  r.body.groups.forEach(function(g){if(g.status!=='ok'){var li=document.createElement('li');li.textContent='Group '+g.number+': '+g.problem;ul.appendChild(li);}});
  r.body.problems.forEach(function(x){var li=document.createElement('li');li.textContent=x;ul.appendChild(li);});
  out.appendChild(ul);})
 .catch(function(){out.textContent='The appliance did not answer.';});
});
})();
""";
}
