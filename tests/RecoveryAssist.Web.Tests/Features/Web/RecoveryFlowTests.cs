using System.Text;
using Microsoft.Playwright;
using RecoveryAssist.Server.Features.Recovery;
using RecoveryAssist.Web.Tests.Infrastructure;

namespace RecoveryAssist.Web.Tests.Features.Web;

/// <summary>
/// A whole recovery from browsers alone, as three people in three browser profiles, against the real
/// appliance and a simulated ESXi host behind the real sshd: the QR code is read from a screenshot of
/// the console page's first screen, the host is booted with what it says, and the page follows the
/// steps after the recovery until the session is completed.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class RecoveryFlowTests(BrowserFixture browser) : IAsyncLifetime
{
    private const string NewPassword = "a long passphrase of my own";

    private WebAppliance _appliance = null!;

    public async Task InitializeAsync() => _appliance = await WebAppliance.StartAsync();

    public async Task DisposeAsync() => await _appliance.DisposeAsync();

    [BrowserSshdFact]
    public async Task Recovery_ThreePeopleInThreeBrowsers_QrFromFirstScreenBootsHostAndStepsShownUntilCompleted()
    {
        var name = WebAppliance.NextHostName();
        var host = await _appliance.EnrolSimulatedAsync(browser.Sshd, name);
        var mac = host.MacAddresses.First();
        var (technician, oneTime) = _appliance.NewUser("technician");
        var approver = _appliance.User("technician");
        var consoleOperator = _appliance.User("operator");

        // The technician: first sign-in with the one-time password, then their own; finds the host by MAC; opens a session.
        await using var first = await browser.PersonAsync(_appliance.Address);
        var tech = await first.NewPageAsync();
        await tech.GotoAsync("/");
        tech.Url.Should().Contain("/login", await tech.ContentAsync());
        await tech.GetByLabel("User name").FillAsync(technician);
        await tech.GetByLabel("Password").FillAsync(oneTime);
        await tech.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await People.ArrivedAsync(tech, "/password");
        await tech.GetByLabel("Current password").FillAsync(oneTime);
        await tech.GetByLabel("New password", new() { Exact = false }).First.FillAsync(NewPassword);
        await tech.GetByLabel("New password again").FillAsync(NewPassword);
        await tech.GetByRole(AriaRole.Button, new() { Name = "Save my password" }).ClickAsync();
        await Assertions.Expect(tech.GetByText("Your password is changed.")).ToBeVisibleAsync();
        await tech.GetByRole(AriaRole.Link, new() { Name = "Hosts" }).ClickAsync();
        await tech.GetByLabel("Search hosts").FillAsync(mac.ToUpperInvariant());
        await tech.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await tech.GetByRole(AriaRole.Link, new() { Name = name }).ClickAsync();
        await tech.GetByRole(AriaRole.Link, new() { Name = "Recover this host" }).ClickAsync();
        await tech.GetByLabel("Reason").SelectOptionAsync("motherboard-replaced");
        await tech.GetByLabel("Ticket", new() { Exact = false }).FillAsync("CHG-4242");
        await tech.GetByRole(AriaRole.Button, new() { Name = "Open the session" }).ClickAsync();
        await People.ArrivedAsync(tech, "/sessions/");
        var sessionId = Guid.Parse(tech.Url.Split("/sessions/")[1][..36]);
        await Assertions.Expect(tech.GetByText("awaiting approval").First).ToBeVisibleAsync();
        (await tech.GetByRole(AriaRole.Button, new() { Name = "Approve" }).CountAsync()).Should().Be(0, "the requester cannot approve");

        // A second technician approves from the inbox.
        await using var second = await browser.PersonAsync(_appliance.Address);
        var approving = await People.SignedInAsync(second, approver);
        await approving.GetByRole(AriaRole.Link, new() { Name = "Sessions" }).ClickAsync();
        await approving.GetByRole(AriaRole.Button, new() { Name = $"Approve {name}" }).ClickAsync();
        await Assertions.Expect(approving.GetByText($"Approved: the recovery of {name} may go on.")).ToBeVisibleAsync();
        _appliance.Sessions.Get(sessionId).State.Should().Be(SessionState.Approved);

        // The board is swapped: the host waits for its key at the boot loader.
        browser.Sshd.Hosts.ReplaceTpm(name);

        // The console operator opens the console page (no key yet), shows the key, and a scanner reads the first screen.
        await using var third = await browser.PersonAsync(_appliance.Address, 1280, 800);
        var console = await People.SignedInAsync(third, consoleOperator);
        await console.GotoAsync($"/console/sessions/{sessionId}");
        _appliance.Sessions.Get(sessionId).Reveals.Should().BeEmpty("opening the console page is not a reveal");
        await console.GetByRole(AriaRole.Button, new() { Name = "Show the key" }).ClickAsync();
        await Assertions.Expect(console.Locator("#qr-single svg")).ToBeVisibleAsync();
        var (scanned, screen) = await ScreenQr.ScanAsync(console);
        await File.WriteAllBytesAsync(Path.Combine(BrowserFixture.ScreenshotDirectory, "flow-console-1280x800.png"), screen);
        Encoding.Latin1.GetBytes(scanned).Should().Equal(Encoding.ASCII.GetBytes(_appliance.EscrowedTextToType(host.Id)),
            "the code on the first screen types exactly the escrowed key's text to type");

        // The operator types what was scanned at Shift+O: the host boots, and the page follows every step until completed.
        browser.Sshd.Hosts.BootWithRecoveryKey(name, scanned[" encryptionRecoveryKey=".Length..]).Should().BeTrue();
        var seen = new List<string>();
        foreach (var step in new[] { "WaitForSsh", "BackupBefore", "Rotate", "EscrowRotated", "VerifyEscrow", "CompleteSession" })
        {
            await Assertions.Expect(console.Locator($"#progress [data-step={step}]")).ToHaveAttributeAsync("data-step-state", "Succeeded", new() { Timeout = 90_000 });
            seen.Add(step);
        }
        await Assertions.Expect(console.Locator("#progress [data-state]")).ToHaveAttributeAsync("data-state", "completed", new() { Timeout = 30_000 });
        await Assertions.Expect(console.Locator("#progress")).ToContainTextAsync("Host up");
        await Assertions.Expect(console.Locator("#progress")).ToContainTextAsync("Verified");
        _appliance.Sessions.Get(sessionId).State.Should().Be(SessionState.Completed);

        // The technician's session page follows too, without a reload.
        await Assertions.Expect(tech.Locator("#progress [data-state]")).ToHaveAttributeAsync("data-state", "completed", new() { Timeout = 30_000 });
    }
}
