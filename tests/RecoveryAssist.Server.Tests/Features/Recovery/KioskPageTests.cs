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
        var response = await RevealAsync(_f.Operator, id);
        return (response, await response.Content.ReadAsStringAsync(), key, id);
    }

    /// <summary>What the "Show the key" button does: posts the console page's own form, with its antiforgery token.</summary>
    private static async Task<HttpResponseMessage> RevealAsync(HttpClient client, string id, bool withToken = true)
    {
        var page = await client.GetStringAsync($"/console/sessions/{id}");
        var fields = new Dictionary<string, string> { ["enter"] = "none" };
        var token = FormToken().Match(page);
        if (withToken && token.Success)
            fields["__RequestVerificationToken"] = token.Groups[1].Value;
        return await client.PostAsync($"/console/sessions/{id}", new FormUrlEncodedContent(fields));
    }

    private static string Text(string html) => Tags().Replace(html, "");

    [Fact]
    public async Task Post_ApprovedSession_NoStoreHtmlWithCountdownGroupsAndIdentity()
    {
        var (response, html, key, id) = await PageAsync("esx40.lab", "runweasel");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/html");
        response.Headers.CacheControl!.NoStore.Should().BeTrue();
        response.Headers.GetValues("Content-Security-Policy").Single().Should().Contain("default-src 'none'").And.Contain("frame-ancestors 'none'");
        html.Should().Contain("id=\"countdown\"").And.Contain("data-expires=\"").And.Contain("data-blank-after=\"120\"");
        html.Should().Contain("url=/console/sessions/" + id + "?blanked=1", "without scripts the page still blanks itself");
        foreach (var (group, i) in key.RevealGroups().Select((g, i) => (g, i)))
            html.Should().Contain($"<span class=\"n\">{i + 1}</span> <code>{group}</code>");
        html.Should().Contain("esx40.lab").And.Contain("SN-77").And.Contain("192.0.2.10");
        Text(html).Should().Contain("runweasel encryptionRecoveryKey=" + key.Reveal());
        html.Should().Contain("Single use: the key is rotated after recovery.");
        html.Should().Contain("@media print");
    }

    [Fact]
    public async Task Post_ApprovedSession_KeyInNoUrlAndNoExternalResource()
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
    public async Task Post_ApprovedSession_QrCodesDecodeToTheTextToType()
    {
        var (_, html, key, _) = await PageAsync("esx42.lab");
        var svgs = InlineSvg().Matches(html).Select(m => m.Value).ToList();

        svgs.Should().HaveCount(3);
        QrDecoding.DecodeSvg(svgs[0]).Should().Be(" encryptionRecoveryKey=" + key.Reveal());
        (QrDecoding.DecodeSvg(svgs[1]) + QrDecoding.DecodeSvg(svgs[2])).Should().Be(" encryptionRecoveryKey=" + key.Reveal());
    }

    [Fact]
    public async Task Post_ApprovedSession_CountsAsAnAuditedReveal()
    {
        var (_, _, _, id) = await PageAsync("esx43.lab");

        _f.Audit(id).Last().Should().Match<RecoveryAssist.Server.Features.Audit.AuditRecord>(r =>
            r.Action == "session.revealed" && r.Actor == "op-one" && r.Detail!.Contains("form console-page"));
    }

    [Fact]
    public async Task Get_ApprovedSession_ShowsIdentityAndButtonButNoKeyAndIsNoReveal()
    {
        var (_, key, _) = await _f.HostWithKeyAsync("esx49.lab", serial: "SN-77");
        var id = await _f.ApprovedAsync("esx49.lab");

        var html = await _f.Operator.GetStringAsync($"/console/sessions/{id}");

        html.Should().Contain("SN-77").And.Contain("Show the key").And.Contain("__RequestVerificationToken");
        foreach (var group in key.RevealGroups())
            html.Should().NotContain(group);
        _f.Audit(id).Should().NotContain(r => r.Action == "session.revealed", "a GET of the console page never counts as a reveal");
    }

    [Fact]
    public async Task Post_WithoutAntiforgeryToken_RefusedWithoutKey()
    {
        var (_, key, _) = await _f.HostWithKeyAsync("esx50.lab");
        var id = await _f.ApprovedAsync("esx50.lab");

        var response = await RevealAsync(_f.Operator, id, withToken: false);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).Should().NotContain(key.RevealGroups()[0]);
        _f.Audit(id).Should().NotContain(r => r.Action == "session.revealed");
    }

    [Fact]
    public async Task Post_NotApproved_Answers403WithoutKey()
    {
        var (_, key, _) = await _f.HostWithKeyAsync("esx44.lab");
        var id = await _f.OpenAsync(_f.TechOne, "esx44.lab");

        var response = await RevealAsync(_f.Operator, id);
        var body = await response.Content.ReadAsStringAsync();

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        body.Should().NotContain(key.RevealGroups()[0]);
    }

    [Fact]
    public async Task Post_Expired_Answers410()
    {
        await _f.HostWithKeyAsync("esx45.lab");
        var id = await _f.ApprovedAsync("esx45.lab");
        _f.Time.Advance(TimeSpan.FromMinutes(61));

        (await RevealAsync(_f.Operator, id)).StatusCode.Should().Be(HttpStatusCode.Gone);
    }

    [Fact]
    public async Task Post_NearExpiry_BlanksAtExpiryNotLater()
    {
        await _f.HostWithKeyAsync("esx46.lab");
        var id = await _f.ApprovedAsync("esx46.lab");
        _f.Time.Advance(TimeSpan.FromMinutes(59));

        var html = await (await RevealAsync(_f.Operator, id)).Content.ReadAsStringAsync();

        html.Should().Contain("data-seconds-left=\"60\"").And.Contain("data-blank-after=\"60\"");
    }

    [Fact]
    public async Task Blanked_AnySession_ShowsStateWithoutKey()
    {
        var (_, _, key, id) = await PageAsync("esx47.lab");

        var response = await _f.Operator.GetAsync($"/console/sessions/{id}?blanked=1");
        var html = await response.Content.ReadAsStringAsync();

        response.Headers.CacheControl!.NoStore.Should().BeTrue();
        html.Should().Contain("awaiting host").And.NotContain(key.RevealGroups()[0]);
    }

    [Fact]
    public async Task Get_Unauthenticated_GoesToSignIn()
    {
        var (_, _, _, id) = await PageAsync("esx48.lab");

        var response = await _f.Appliance.Anonymous().GetAsync($"/console/sessions/{id}");

        response.RequestMessage!.RequestUri!.AbsolutePath.Should().Be("/login");
        response.RequestMessage.RequestUri.Query.Should().Be("?returnUrl=" + Uri.EscapeDataString($"/console/sessions/{id}"));
    }

    [Theory]
    [InlineData(" encryptionRecoveryKey=123456-654321", "<span> encryptionRecoveryKey=123456-</span><wbr><span>654321</span><wbr>")]
    [InlineData("runweasel a=1", "<span>runweasel </span><wbr><span>a=1</span><wbr>")]
    public void Wrapped_Text_BreaksOnlyAfterDashesAndSpaces(string text, string expected)
    {
        RecoveryAssist.Server.Features.Recovery.KioskPage.Wrapped(text).Should().Be(expected);
    }

    [GeneratedRegex("(href|src|action|content)=\"([^\"]*)\"")]
    private static partial Regex UrlAttributes();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex FormToken();

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex Tags();

    [GeneratedRegex("<svg.*?</svg>", RegexOptions.Singleline)]
    private static partial Regex InlineSvg();
}
