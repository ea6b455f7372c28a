using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using RecoveryAssist.Core.Boot;
using RecoveryAssist.Core.Qr;

namespace RecoveryAssist.Server.Features.Recovery;

/// <summary>
/// The console operator's page for one approved session, shown only after an explicit action (a form
/// posted by a button: a GET of the console page never reveals) and rendered to a string before it is
/// sent: host identity, a large QR code that is whole on the first screen (desktop and phone), the 16
/// groups, the text to type wrapped only between groups, the two-code variant, an entry check, the
/// steps after the recovery followed live, and a countdown. The page removes the key from the document
/// after a configurable time and at expiry (with scripts off, a refresh to the console page without the
/// key does it). The key appears only in the body, never in a URL. Printing gives the recovery sheet.
/// </summary>
internal static class KioskPage
{
    private static readonly HtmlEncoder Html = HtmlEncoder.Default;

    public static string ContentSecurityPolicy(string nonce) =>
        $"default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <param name="antiforgery">The form token of this browser: "show the key again" posts the same form.</param>
    public static string Render(RevealedKey revealed, QrPayloadOptions options, DateTimeOffset now, int blankAfterSeconds, string nonce, string antiforgery)
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
        var enterValue = options.Enter switch
        {
            QrEnter.CarriageReturn => "cr",
            QrEnter.LineFeed => "lf",
            _ => "none",
        };

        var page = new StringBuilder(40 * 1024);
        page.Append("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<meta name=\"referrer\" content=\"no-referrer\">\n")
            .Append(CultureInfo.InvariantCulture, $"<noscript><meta http-equiv=\"refresh\" content=\"{blankAfter};url=/console/sessions/{id}?blanked=1\"></noscript>\n")
            .Append(CultureInfo.InvariantCulture, $"<title>Recovery of {E(host.Name)}</title>\n")
            .Append(CultureInfo.InvariantCulture, $"<style nonce=\"{nonce}\">{Style}</style>\n</head>\n<body>\n");

        page.Append("<header class=\"head\">\n")
            .Append(CultureInfo.InvariantCulture, $"<h1>Recovery of <span class=\"host\">{E(host.Name)}</span></h1>\n")
            .Append(CultureInfo.InvariantCulture, $"<p class=\"timers screen-only\">Session expires in <strong id=\"countdown\" data-expires=\"{expires:O}\" data-seconds-left=\"{secondsLeft}\">{Clock(secondsLeft)}</strong>")
            .Append(CultureInfo.InvariantCulture, $" &middot; screen blanks in <strong id=\"blank-countdown\" data-blank-after=\"{blankAfter}\">{Clock(blankAfter)}</strong>")
            .Append(" <button type=\"button\" id=\"blank-now\">Blank now</button></p>\n")
            .Append("</header>\n<main id=\"secret\">\n");

        // First in the document (and on a phone, first on the screen): the code a scanner reads.
        page.Append("<section class=\"qr-single\" aria-labelledby=\"scan\">\n<h2 id=\"scan\">Scan into the prompt</h2>\n")
            .Append(CultureInfo.InvariantCulture, $"<div class=\"qr qr-large\" id=\"qr-single\">{Svg(single)}</div>\n")
            .Append(CultureInfo.InvariantCulture, $"<p class=\"qr-note\">The scanner types a space, then <code>encryptionRecoveryKey=</code> and the key. {E(enterNote)}</p>\n")
            .Append("</section>\n");

        page.Append("<section class=\"identity\" aria-labelledby=\"make-sure\">\n<h2 id=\"make-sure\">Make sure this is the machine</h2>\n<table>\n");
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

        page.Append("<section class=\"steps\" aria-labelledby=\"at-console\">\n<h2 id=\"at-console\">At the console</h2>\n<ol>\n");
        foreach (var step in RevealResponse.ConsoleSteps)
            page.Append(CultureInfo.InvariantCulture, $"<li>{E(step)}</li>\n");
        page.Append("</ol>\n</section>\n");

        page.Append("<section class=\"groups\" aria-labelledby=\"type-it\">\n<h2 id=\"type-it\">Or type it: 16 groups</h2>\n<ol class=\"key-groups\">\n");
        var groups = key.RevealGroups();
        for (var i = 0; i < groups.Count; i++)
            page.Append(CultureInfo.InvariantCulture, $"<li><span class=\"n\">{i + 1}</span> <code>{groups[i]}</code></li>\n");
        page.Append("</ol>\n")
            .Append("<p>Text to type after the options shown (one space first):</p>\n")
            .Append(CultureInfo.InvariantCulture, $"<p class=\"type\" id=\"text-to-type\">{Wrapped(line.TextToType)}</p>\n");
        if (fullLine is not null)
            page.Append(CultureInfo.InvariantCulture, $"<p>The whole line should then read:</p>\n<p class=\"type\" id=\"full-line\">{Wrapped(fullLine)}</p>\n");
        page.Append("</section>\n");

        AppendCandidates(page, revealed.Candidates);

        page.Append("<section class=\"qr-split\" aria-labelledby=\"two-codes\">\n<h2 id=\"two-codes\">Scanner with a short buffer? Two codes, in order</h2>\n<div class=\"pair\">\n");
        foreach (var part in split)
        {
            var types = part.Part == 1 ? "types the space, the option name and groups 1 to 8 with the dash after group 8" : "types groups 9 to 16" + (options.Enter == QrEnter.None ? "" : " and Enter");
            page.Append(CultureInfo.InvariantCulture, $"<figure><div class=\"qr\" id=\"qr-part-{part.Part}\">{Svg(part)}</div><figcaption>Code {part.Part} of 2: {types}</figcaption></figure>\n");
        }
        page.Append("</div>\n</section>\n");

        page.Append("<section class=\"check screen-only\" aria-labelledby=\"check-h\">\n<h2 id=\"check-h\">Check what was typed</h2>\n")
            .Append("<p>Type or scan here what you entered at the prompt; the appliance says which groups differ, never the right digits.</p>\n")
            .Append("<label for=\"typed\" class=\"visually-hidden\">What was typed at the prompt</label>")
            .Append("<textarea id=\"typed\" rows=\"2\" autocomplete=\"off\" spellcheck=\"false\"></textarea>\n")
            .Append("<button type=\"button\" id=\"check\">Check</button>\n<div id=\"check-result\" aria-live=\"polite\"></div>\n</section>\n");

        page.Append("<p class=\"single-use\">Single use: the key is rotated after recovery.</p>\n")
            .Append(CultureInfo.InvariantCulture, $"<p class=\"print-only\">Printed for session {id} (ticket {E(session.Ticket)}), reveal {session.Reveals.Count}, {now.UtcDateTime.ToString("u", CultureInfo.InvariantCulture)}. Destroy this sheet after the recovery.</p>\n")
            .Append("<p class=\"screen-only\"><button type=\"button\" id=\"print\">Print recovery sheet</button></p>\n")
            .Append("</main>\n");

        page.Append(CultureInfo.InvariantCulture, $"<div id=\"blanked\" class=\"screen-only\" hidden><p id=\"blanked-why\">The key was removed from the screen.</p>")
            .Append(CultureInfo.InvariantCulture, $"<form method=\"post\" action=\"/console/sessions/{id}\"><input type=\"hidden\" name=\"__RequestVerificationToken\" value=\"{E(antiforgery)}\"><input type=\"hidden\" name=\"enter\" value=\"{enterValue}\">")
            .Append("<button type=\"submit\">Show the key again</button> <span>(each showing is recorded in the audit log)</span></form></div>\n");
        page.Append(CultureInfo.InvariantCulture, $"<section class=\"after screen-only\" aria-labelledby=\"after-h\"><h2 id=\"after-h\">After the recovery</h2><div id=\"progress\" aria-live=\"polite\"><p>Waiting for the host to come up.</p></div>")
            .Append(CultureInfo.InvariantCulture, $"<p><a href=\"/sessions/{id}\">The session page</a></p></section>\n");
        page.Append(CultureInfo.InvariantCulture, $"<script nonce=\"{nonce}\">{Script.Replace("__SESSION__", id, StringComparison.Ordinal)}</script>\n</body>\n</html>\n");
        return page.ToString();
    }

    /// <summary>
    /// Text that may wrap only between groups: each group (up to and including its dash, or a word up to
    /// its space) is one unbreakable span, with a break opportunity after it.
    /// </summary>
    internal static string Wrapped(string text)
    {
        var html = new StringBuilder(text.Length * 3);
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if ((text[i] == '-' || text[i] == ' ') && i > 0)
            {
                Token(html, text[start..(i + 1)]);
                start = i + 1;
            }
        }
        if (start < text.Length)
            Token(html, text[start..]);
        return html.ToString();

        static void Token(StringBuilder html, string token) => html.Append("<span>").Append(E(token)).Append("</span><wbr>");
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
                .Append(CultureInfo.InvariantCulture, $"<p class=\"type\">{Wrapped(BootOptionLine.Build(null, candidate.Key).TextToType)}</p>\n</section>\n");
        }
    }

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
            page.Append(CultureInfo.InvariantCulture, $"<tr><th scope=\"row\">{E(name)}</th><td>{E(value)}</td></tr>\n");
    }

    private static string Clock(int seconds) =>
        string.Create(CultureInfo.InvariantCulture, $"{seconds / 60:D2}:{seconds % 60:D2}");

    private static string E(string? text) => Html.Encode(text ?? "");

    // The QR code is whole on the first screen: on a wide screen it takes the right column, as high as the
    // window allows; on a phone it comes right after the title, as wide as the screen.
    private const string Style = """
*{box-sizing:border-box}
body{font-family:system-ui,"DejaVu Sans",sans-serif;margin:0;padding:.6rem 1rem 2rem;color:#1b1f24;background:#fff;line-height:1.45}
h1{margin:0;font-size:1.35rem;line-height:1.2}h2{font-size:1.05rem;margin:.9rem 0 .3rem}
.head{display:flex;flex-wrap:wrap;gap:.2rem 1.2rem;align-items:baseline}
.timers{margin:0;font-size:1rem}
#blank-now,#print,#check,#blanked button{font:inherit;font-weight:600;border-radius:6px;border:1px solid #1f5fa8;background:#fff;color:#1f5fa8;padding:.25rem .8rem;cursor:pointer}
#blanked button{background:#1f5fa8;color:#fff;padding:.6rem 1.2rem}
:focus-visible{outline:3px solid #f0b400;outline-offset:2px}
main{display:grid;gap:0 2rem}
.qr-single h2{margin-top:.4rem}
.qr svg{display:block;width:100%;height:auto}
.qr-large,.qr-single{width:min(calc(100vh - 11rem),92vw,640px)}
.qr-note{font-size:.92rem;margin:.3rem 0}
@media (min-width:48rem){
 main{grid-template-columns:minmax(0,1fr) auto}
 .qr-single{grid-column:2;grid-row:1 / span 4;align-self:start}
 .qr-large,.qr-single{width:min(calc(100vh - 8rem),46vw,640px)}
 main>section:not(.qr-single),main>p{grid-column:1}
}
table{border-collapse:collapse}th{text-align:left;padding:.1rem 1rem .1rem 0;font-weight:600;vertical-align:top}td{font-family:ui-monospace,"DejaVu Sans Mono",monospace;overflow-wrap:anywhere}
.steps ol{margin:.2rem 0;padding-left:1.4rem}
.pair{display:flex;gap:2rem;flex-wrap:wrap}.pair figure{margin:0;width:min(40vh,42vw,320px)}
.key-groups{display:grid;grid-template-columns:repeat(4,max-content);gap:.25rem 1.6rem;list-style:none;padding:0;font-size:1.5rem;margin:.3rem 0}
@media (max-width:30rem){.key-groups{grid-template-columns:repeat(2,max-content);font-size:1.35rem}}
.key-groups .n{display:inline-block;min-width:1.6em;color:#545d68;font-size:1rem;text-align:right}
.key-groups code{font-family:ui-monospace,"DejaVu Sans Mono",monospace;letter-spacing:.08em}
.type{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:1.1rem;background:#f1f3f5;padding:.4rem .6rem;border-radius:4px;margin:.2rem 0 .6rem}
.type span{white-space:pre}
textarea{width:100%;max-width:40rem;font:inherit;font-family:ui-monospace,"DejaVu Sans Mono",monospace;display:block;margin:.3rem 0}
.single-use{font-weight:700;font-size:1.1rem}
.after{margin-top:1rem;border-top:1px solid #d5dae0}
.after ol.steps{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.4rem}
.after ol.steps li{border:1px solid #d5dae0;border-radius:6px;padding:.25rem .6rem}
.after ol.steps li.done{background:#e7f4ea;border-color:#9fcfab}.after ol.steps li.now{background:#e8f0fb;font-weight:600}.after ol.steps li.failed{background:#fdeceb}
.badge{font-weight:600}
.visually-hidden{position:absolute!important;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.print-only{display:none}
.ok{color:#1e7b34}.bad{color:#b42318;font-weight:700}
@media print{
 .screen-only{display:none!important}.print-only{display:block}
 body{margin:0;padding:0}main{display:block}.qr-large{width:9cm}.pair figure{width:6cm}
 .key-groups{font-size:14pt}section{break-inside:avoid}
}
""";

    // Blanking removes the key from the document, not only from view. The check sends the typed text
    // in a POST body to the JSON API with the page's own sign-in cookie. The steps after the recovery
    // come from the session's progress fragment, fetched until the session is settled.
    private const string Script = """
(function(){
var id='__SESSION__';
var countdown=document.getElementById('countdown');
var blankEl=document.getElementById('blank-countdown');
var left=parseInt(countdown.dataset.secondsLeft,10);
var blankLeft=parseInt(blankEl.dataset.blankAfter,10);
function clock(s){s=Math.max(0,s);var m=Math.floor(s/60),r=s%60;return (m<10?'0':'')+m+':'+(r<10?'0':'')+r;}
function blank(why){var s=document.getElementById('secret');if(s){s.remove();}
 var t=document.querySelector('.timers');if(t){t.remove();}
 var b=document.getElementById('blanked');document.getElementById('blanked-why').textContent=why;b.hidden=false;clearInterval(timer);}
var timer=setInterval(function(){left--;blankLeft--;countdown.textContent=clock(left);blankEl.textContent=clock(blankLeft);
 if(left<=0){blank('The session expired: the key was removed from the screen.');}
 else if(blankLeft<=0){blank('The key was removed from the screen after the set time.');}},1000);
document.getElementById('blank-now').addEventListener('click',function(){blank('The key was removed from the screen.');});
document.getElementById('print').addEventListener('click',function(){window.print();});
var progress=document.getElementById('progress');
function poll(){fetch('/sessions/'+id+'/progress',{credentials:'same-origin'}).then(function(r){
 if(!r.ok){throw new Error(String(r.status));}
 return r.text().then(function(t){if(progress.innerHTML!==t){progress.innerHTML=t;}if(r.headers.get('X-Poll')!=='done'){setTimeout(poll,2000);}});
}).catch(function(){setTimeout(poll,6000);});}
poll();
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
