using System.Net;
using System.Text.RegularExpressions;
using RecoveryAssist.Core.Keys;
using RecoveryAssist.Server.Tests.Infrastructure;

namespace RecoveryAssist.Server.Tests.Features.Recovery;

/// <summary>The console operator's page, read as HTML without a browser.</summary>
public sealed partial class KioskPageTests : IAsyncLifetime
{
    private RecoveryFixture _f = null!;

    public async Task InitializeAsync() => _f = await RecoveryFixture.StartAsync("--RecoveryAssist:Recovery:KioskBlankAfterSeconds=120");

    public async Task DisposeAsync() => await _f.DisposeAsync();

    private async Task<(HttpResponseMessage Response, string Html, RecoveryKey Key, string Id)> PageAsync(string host, string? kernelOpt = null)
    {
        var (_, key, _) = await _f.HostWithKeyAsync(host, kernelOpt, serial: "SN-77");
        var id = await _f.ApprovedAsync(host);
        var response = await _f.Operator.GetAsync($"/console/sessions/{id}");
        return (response, await response.Content.ReadAsStringAsync(), key, id);
    }

    [Fact]
    public async Task Get_ApprovedSession_NoStoreHtmlWithCountdownGroupsAndIdentity()
    {
        var (response, html, key, id) = await PageAsync("esx40.lab", "runweasel");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/html");
        response.Headers.CacheControl!.NoStore.Should().BeTrue();
        response.Headers.GetValues("Content-Security-Policy").Single().Should().Contain("default-src 'none'").And.Contain("frame-ancestors 'none'");
        html.Should().Contain("id=\"countdown\"").And.Contain("data-expires=\"").And.Contain("data-blank-after=\"120\"");
        html.Should().Contain("url=/console/sessions/" + id + "/blanked", "without scripts the page still blanks itself");
        foreach (var (group, i) in key.RevealGroups().Select((g, i) => (g, i)))
            html.Should().Contain($"<span class=\"n\">{i + 1}</span> <code>{group}</code>");
        html.Should().Contain("esx40.lab").And.Contain("SN-77").And.Contain("192.0.2.10");
        html.Should().Contain("runweasel encryptionRecoveryKey=" + key.Reveal());
        html.Should().Contain("Single use: the key is rotated after recovery.");
        html.Should().Contain("@media print");
    }

    [Fact]
    public async Task Get_ApprovedSession_KeyInNoUrlAndNoExternalResource()
    {
        var (_, html, key, _) = await PageAsync("esx41.lab");

        var urls = UrlAttributes().Matches(html).Select(m => m.Groups[2].Value).ToList();

        urls.Should().NotBeEmpty();
        foreach (var url in urls)
        {
            foreach (var group in key.RevealGroups())
                url.Should().NotContain(group);
            url.Should().NotStartWith("http", "the page loads nothing from elsewhere");
        }
        html.Should().NotContain("data:image", "the QR codes are inline SVG, not data: URIs holding the key");
    }

    [Fact]
    public async Task Get_ApprovedSession_QrCodesDecodeToTheTextToType()
    {
        var (_, html, key, _) = await PageAsync("esx42.lab");
        var svgs = InlineSvg().Matches(html).Select(m => m.Value).ToList();

        svgs.Should().HaveCount(3);
        QrDecoding.DecodeSvg(svgs[0]).Should().Be(" encryptionRecoveryKey=" + key.Reveal());
        (QrDecoding.DecodeSvg(svgs[1]) + QrDecoding.DecodeSvg(svgs[2])).Should().Be(" encryptionRecoveryKey=" + key.Reveal());
    }

    [Fact]
    public async Task Get_ApprovedSession_CountsAsAnAuditedReveal()
    {
        var (_, _, _, id) = await PageAsync("esx43.lab");

        _f.Audit(id).Last().Should().Match<RecoveryAssist.Server.Features.Audit.AuditRecord>(r =>
            r.Action == "session.revealed" && r.Actor == "op-one" && r.Detail!.Contains("form console-page"));
    }

    [Fact]
    public async Task Get_NotApproved_Answers403WithoutKey()
    {
        var (_, key, _) = await _f.HostWithKeyAsync("esx44.lab");
        var id = await _f.OpenAsync(_f.TechOne, "esx44.lab");

        var response = await _f.Operator.GetAsync($"/console/sessions/{id}");
        var body = await response.Content.ReadAsStringAsync();

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        body.Should().NotContain(key.RevealGroups()[0]);
    }

    [Fact]
    public async Task Get_Expired_Answers410()
    {
        await _f.HostWithKeyAsync("esx45.lab");
        var id = await _f.ApprovedAsync("esx45.lab");
        _f.Time.Advance(TimeSpan.FromMinutes(61));

        (await _f.Operator.GetAsync($"/console/sessions/{id}")).StatusCode.Should().Be(HttpStatusCode.Gone);
    }

    [Fact]
    public async Task Get_NearExpiry_BlanksAtExpiryNotLater()
    {
        await _f.HostWithKeyAsync("esx46.lab");
        var id = await _f.ApprovedAsync("esx46.lab");
        _f.Time.Advance(TimeSpan.FromMinutes(59));

        var html = await _f.Operator.GetStringAsync($"/console/sessions/{id}");

        html.Should().Contain("data-seconds-left=\"60\"").And.Contain("data-blank-after=\"60\"");
    }

    [Fact]
    public async Task Blanked_AnySession_ShowsStateWithoutKey()
    {
        var (_, _, key, id) = await PageAsync("esx47.lab");

        var response = await _f.Auditor.GetAsync($"/console/sessions/{id}/blanked");
        var html = await response.Content.ReadAsStringAsync();

        response.Headers.CacheControl!.NoStore.Should().BeTrue();
        html.Should().Contain("awaiting host").And.NotContain(key.RevealGroups()[0]);
    }

    [Fact]
    public async Task Get_Unauthenticated_Answers401()
    {
        var (_, _, _, id) = await PageAsync("esx48.lab");

        (await _f.Appliance.Anonymous().GetAsync($"/console/sessions/{id}")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [GeneratedRegex("(href|src|action|content)=\"([^\"]*)\"")]
    private static partial Regex UrlAttributes();

    [GeneratedRegex("<svg.*?</svg>", RegexOptions.Singleline)]
    private static partial Regex InlineSvg();
}
