using Deque.AxeCore.Playwright;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;
using OtpNet;
using RecoveryAssist.Web.Tests.Infrastructure;

namespace RecoveryAssist.Web.Tests.Features.Web;

/// <summary>The second factor in Chromium: held back until enrolled, enrol on /totp, then the sign-in page asks for the code.</summary>
[Collection(BrowserCollection.Name)]
public sealed class TotpPageTests(BrowserFixture browser) : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 10, 0, 5, TimeSpan.Zero));
    private TestAppliance _appliance = null!;

    public async Task InitializeAsync() => _appliance = await TestAppliance.StartAsync(_time, null, "--RecoveryAssist:Auth:RequireTotp=true");

    public async Task DisposeAsync() => await _appliance.DisposeAsync();

    [BrowserFact]
    public async Task RequireTotp_Technician_EnrolsOnTheTotpPageThenSignsInWithACode()
    {
        _appliance.CreateUser("tech-web-totp", "technician");
        await using (var context = await browser.PersonAsync(_appliance.Address))
        {
            var page = await People.SignedInAsync(context, "tech-web-totp");
            page.Url.Should().EndWith("/totp", "an approver without a second factor may only enrol");
            (await page.GotoAsync("/hosts"))!.Url.Should().EndWith("/totp");
            await page.GetByRole(AriaRole.Button, new() { Name = "Set up an authenticator app" }).ClickAsync();
            var secretText = await page.Locator("#secret").InnerTextAsync();
            (await page.Locator("#uri").InnerTextAsync()).Should().StartWith("otpauth://totp/RecoveryAssist:tech-web-totp");
            (await page.RunAxe()).Violations.Where(v => v.Impact is "serious" or "critical").Should().BeEmpty();
            await PagesTests.ScreenshotsAsync(page, "totp-enrol");
            var secret = Base32Encoding.ToBytes(secretText.Trim());
            _time.Advance(TimeSpan.FromSeconds(30));

            await page.GetByLabel("Code from the app").FillAsync(Code(secret));
            await page.GetByRole(AriaRole.Button, new() { Name = "Turn it on" }).ClickAsync();
            await People.LeftAsync(page, "/totp");
            (await page.GotoAsync("/hosts"))!.Status.Should().Be(200);

            await using var again = await browser.PersonAsync(_appliance.Address);
            var login = await again.NewPageAsync();
            await login.GotoAsync("/login");
            await login.GetByLabel("User name").FillAsync("tech-web-totp");
            await login.GetByLabel("Password").FillAsync(TestAppliance.Password);
            await login.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            (await login.Locator("main").InnerTextAsync()).Should().Contain("Give the code of your authenticator app too.");
            await PagesTests.ScreenshotsAsync(login, "login-code");
            _time.Advance(TimeSpan.FromSeconds(30));
            await login.GetByLabel("Password").FillAsync(TestAppliance.Password);
            await login.GetByLabel("Authenticator code").FillAsync(Code(secret));
            await login.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await People.LeftAsync(login, "/login");
            (await login.GotoAsync("/hosts"))!.Status.Should().Be(200);
        }
    }

    private string Code(byte[] secret) => new Totp(secret).ComputeTotp(_time.GetUtcNow().UtcDateTime);
}
