using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using RecoveryAssist.Server.Features.Recovery;
using RecoveryAssist.Web.Tests.Infrastructure;

namespace RecoveryAssist.Web.Tests.Features.Web;

/// <summary>The console page in Chromium at the screen sizes people use it at, and driven by the keyboard alone.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ConsolePageTests(BrowserFixture browser) : IAsyncLifetime
{
    private WebAppliance _appliance = null!;

    public async Task InitializeAsync() => _appliance = await WebAppliance.StartAsync();

    public async Task DisposeAsync() => await _appliance.DisposeAsync();

    [BrowserFact]
    public async Task ConsolePage_DesktopLaptopAndPhone_QrWholeOnFirstScreenAndTextWrapsOnlyBetweenGroups()
    {
        // The published sample key: these screenshots are the ones the README shows.
        var host = _appliance.HostWithKey("esx01.lab", listOutput: WebAppliance.PublishedSampleList);
        var session = ApprovedSession(host.Name);
        var expected = _appliance.EscrowedTextToType(host.Id);
        var operatorName = _appliance.User("operator");

        foreach (var (width, height) in new[] { (1280, 800), (1024, 768), (390, 844) })
        {
            await using var context = await browser.PersonAsync(_appliance.Address, width, height);
            var page = await People.SignedInAsync(context, operatorName);
            await page.GotoAsync($"/console/sessions/{session}");
            (await page.ContentAsync()).Should().NotContain(_appliance.KeyGroups(host.Id)[0], "a GET of the console page shows no key");
            await page.GetByRole(AriaRole.Button, new() { Name = "Show the key" }).ClickAsync();

            var box = (await page.Locator("#qr-single svg").BoundingBoxAsync())!;
            box.Y.Should().BeGreaterThanOrEqualTo(0);
            (box.Y + box.Height).Should().BeLessThanOrEqualTo(height, $"the QR code is whole on the first screen at {width}×{height}");
            (box.X + box.Width).Should().BeLessThanOrEqualTo(width);
            var (scanned, screen) = await ScreenQr.ScanAsync(page);
            await File.WriteAllBytesAsync(Path.Combine(BrowserFixture.ScreenshotDirectory, $"console-revealed-{width}x{height}.png"), screen);
            await page.ScreenshotAsync(new() { FullPage = true, Path = Path.Combine(BrowserFixture.ScreenshotDirectory, $"console-revealed-{width}x{height}-full.png") });
            Encoding.Latin1.GetBytes(scanned).Should().Equal(Encoding.ASCII.GetBytes(expected), $"at {width}×{height}");

            // Each group (with its dash) is one unbroken piece on screen: lines break only between groups.
            var pieces = await page.Locator("#text-to-type span").EvaluateAllAsync<JsonElement>(
                "spans => spans.map(s => ({ text: s.textContent, lines: s.getClientRects().length, top: s.getBoundingClientRect().top }))");
            var spans = pieces.EnumerateArray().Select(p => (Text: p.GetProperty("text").GetString()!, Lines: p.GetProperty("lines").GetInt32(), Top: p.GetProperty("top").GetDouble())).ToList();
            string.Concat(spans.Select(s => s.Text)).Should().Be(expected);
            spans.Should().OnlyContain(s => s.Lines == 1, "no group is split across lines");
            if (width == 390)
                spans.Select(s => s.Top).Distinct().Count().Should().BeGreaterThan(1, "on a phone the text wraps, between groups");
        }
        _appliance.Sessions.Get(session).Reveals.Should().HaveCount(3, "each press of the button is one recorded reveal, and only that");
    }

    [BrowserFact]
    public async Task Recovery_KeyboardOnly_SignInApproveAndRevealWithoutAMouse()
    {
        var host = _appliance.HostWithKey();
        var (technician, oneTime) = _appliance.NewUser("technician");
        var approver = _appliance.User("technician");
        var operatorName = _appliance.User("operator");
        const string mine = "typed on a keyboard only";

        await using var first = await browser.PersonAsync(_appliance.Address);
        var tech = await first.NewPageAsync();
        await tech.GotoAsync("/login");
        await Assertions.Expect(tech.Locator("#userName")).ToBeFocusedAsync(); // the page puts the focus there itself
        await tech.Keyboard.TypeAsync(technician);
        await tech.Keyboard.PressAsync("Tab");
        await tech.Keyboard.TypeAsync(oneTime);
        await tech.Keyboard.PressAsync("Enter");
        await People.ArrivedAsync(tech, "/password");
        await TabToAsync(tech, "#current");
        await tech.Keyboard.TypeAsync(oneTime);
        await tech.Keyboard.PressAsync("Tab");
        await tech.Keyboard.TypeAsync(mine);
        await tech.Keyboard.PressAsync("Tab");
        await tech.Keyboard.TypeAsync(mine);
        await tech.Keyboard.PressAsync("Enter");
        await Assertions.Expect(tech.GetByText("Your password is changed.")).ToBeVisibleAsync();
        await TabToAsync(tech, "a[href='/recover']");
        await tech.Keyboard.PressAsync("Enter");
        await People.ArrivedAsync(tech, "/recover$");
        await TabToAsync(tech, "#host");
        await tech.Keyboard.TypeAsync(host.Name);
        await TabToAsync(tech, "#reason");
        await tech.Keyboard.PressAsync("ArrowDown"); // tpm-cleared
        await TabToAsync(tech, "#ticket");
        await tech.Keyboard.TypeAsync("INC-77");
        await tech.Keyboard.PressAsync("Enter");
        await People.ArrivedAsync(tech, "/sessions/");
        var sessionId = Guid.Parse(tech.Url.Split("/sessions/")[1][..36]);
        _appliance.Sessions.Get(sessionId).Should().Match<RecoverySession>(s => s.Reason == RecoveryReason.TpmCleared && s.Ticket == "INC-77");

        await using var second = await browser.PersonAsync(_appliance.Address);
        var approving = await KeyboardSignInAsync(second, approver);
        await TabToAsync(approving, "a[href='/sessions']");
        await approving.Keyboard.PressAsync("Enter");
        await People.ArrivedAsync(approving, "/sessions$");
        await TabToAsync(approving, $"form[action*='{sessionId}'][action*='Approve'] button");
        await approving.Keyboard.PressAsync("Enter");
        await Assertions.Expect(approving.GetByText($"Approved: the recovery of {host.Name} may go on.")).ToBeVisibleAsync();

        await using var third = await browser.PersonAsync(_appliance.Address, 1024, 768);
        var console = await KeyboardSignInAsync(third, operatorName);
        await console.GotoAsync($"/sessions/{sessionId}");
        await TabToAsync(console, $"a[href='/console/sessions/{sessionId}']");
        await console.Keyboard.PressAsync("Enter");
        await People.ArrivedAsync(console, "/console/sessions/");
        await TabToAsync(console, "#reveal");
        await console.Keyboard.PressAsync("Enter");
        await Assertions.Expect(console.Locator("#qr-single svg")).ToBeVisibleAsync();
        await console.WaitForLoadStateAsync(LoadState.Load); // of the page the form's answer opened
        var (scanned, screen) = await ScreenQr.ScanAsync(console);
        await File.WriteAllBytesAsync(Path.Combine(BrowserFixture.ScreenshotDirectory, "console-keyboard-1024x768.png"), screen);
        Encoding.Latin1.GetBytes(scanned).Should().Equal(Encoding.ASCII.GetBytes(_appliance.EscrowedTextToType(host.Id)));
        await TabToAsync(console, "#blank-now");
        await console.Keyboard.PressAsync("Enter");
        (await console.ContentAsync()).Should().NotContain(_appliance.KeyGroups(host.Id)[0], "blanking removes the key from the document");

        await TabToAsync(tech, "header form button");
        await tech.Keyboard.PressAsync("Enter");
        await People.ArrivedAsync(tech, "/login");
        await tech.GotoAsync("/hosts");
        tech.Url.Should().Contain("/login", "signed out");
    }

    private Guid ApprovedSession(string hostName)
    {
        var session = _appliance.Sessions.Open(hostName, null, "motherboard-replaced", "CHG-9", "console", new Person("tech-a", "Technician", null));
        _appliance.Sessions.Approve(session.Id, new Person("tech-b", "Technician", null));
        return session.Id;
    }

    private static async Task<IPage> KeyboardSignInAsync(IBrowserContext context, string userName)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync("/login");
        // Autofocus is applied at the page's first rendering, after the load Goto waits for: typing earlier types into nothing.
        await Assertions.Expect(page.Locator("#userName")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync(userName);
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync(TestAppliance.Password);
        await page.Keyboard.PressAsync("Enter");
        await People.LeftAsync(page, "/login");
        return page;
    }

    /// <summary>Presses Tab until the element matching <paramref name="selector"/> has the focus: it is reachable by keyboard.</summary>
    private static async Task TabToAsync(IPage page, string selector)
    {
        for (var i = 0; i < 80; i++)
        {
            if (await page.EvaluateAsync<bool>("s => { const e = document.querySelector(s); return e !== null && e === document.activeElement; }", selector))
                return;
            await page.Keyboard.PressAsync("Tab");
        }
        throw new InvalidOperationException($"{selector} is not reachable with the Tab key.");
    }
}
