using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Features.HostOps;
using RecoveryAssist.Server.Features.Policy;
using RecoveryAssist.Web.Tests.Infrastructure;

namespace RecoveryAssist.Web.Tests.Features.Web;

/// <summary>
/// Setting a host up from the browser alone: SSH access on the host's page (then a collection over the real
/// sshd pins the host key and escrows the key), and the desired TPM policies by scope, with refusals shown
/// on the page and nothing saved.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class HostSetupPagesTests(BrowserFixture browser) : IAsyncLifetime
{
    private WebAppliance _appliance = null!;

    public async Task InitializeAsync() => _appliance = await WebAppliance.StartAsync();

    public async Task DisposeAsync() => await _appliance.DisposeAsync();

    [BrowserSshdFact]
    public async Task HostPage_AdminGivesSshAccessThenCollects_HostKeyPinnedKeyEscrowedSecretNeverShown()
    {
        var name = WebAppliance.NextHostName();
        var connection = browser.Sshd.AddHost(name);
        var host = _appliance.Escrow.CreateHost(new HostInput(name, ManagementAddress: connection.Address), Actor.System);
        await using var context = await browser.PersonAsync(_appliance.Address);
        var admin = await People.SignedInAsync(context, _appliance.User("admin"));

        await admin.GotoAsync($"/hosts/{host.Id}");
        await Assertions.Expect(admin.GetByText("Not set: the appliance cannot collect")).ToBeVisibleAsync();
        await PagesTests.ScreenshotsAsync(admin, "host-ssh-access-form");
        await admin.GetByLabel("User name").FillAsync(connection.UserName);
        await admin.GetByLabel("Port").FillAsync(connection.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (connection.Password is { } password)
            await admin.GetByLabel("Password", new() { Exact = false }).FillAsync(password);
        else
            await admin.GetByLabel("Private key", new() { Exact = false }).FillAsync(connection.PrivateKeyPem!);
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save the SSH access" }).ClickAsync();
        await Assertions.Expect(admin.GetByText("SSH access saved")).ToBeVisibleAsync();
        await Assertions.Expect(admin.GetByText($"{connection.UserName}@{connection.Address}:{connection.Port}")).ToBeVisibleAsync();
        await Assertions.Expect(admin.GetByText("not yet: the key the host presents at the next contact is pinned")).ToBeVisibleAsync();

        await admin.GetByRole(AriaRole.Button, new() { Name = "Collect now" }).ClickAsync();
        await Assertions.Expect(admin.GetByText("Collection started.")).ToBeVisibleAsync();
        var job = _appliance.Jobs.List(host.Id, null, 0, 1).Single();
        await Eventually.Until(() => !_appliance.Jobs.Get(job.Id).IsActive, TimeSpan.FromSeconds(60), "the collection to end");
        _appliance.Jobs.Get(job.Id).State.Should().Be(JobState.Succeeded, _appliance.Jobs.Get(job.Id).Error);
        await admin.ReloadAsync();

        var pinned = _appliance.Services.GetRequiredService<HostSshAccess>().Find(host.Id)!.PinnedFingerprint;
        pinned.Should().NotBeNull("the first contact pins the host key");
        await Assertions.Expect(admin.Locator(".fingerprint")).ToHaveTextAsync("SHA256:" + pinned);
        await Assertions.Expect(admin.Locator("#keys ~ .table-wrap tbody tr")).ToHaveCountAsync(1);
        var page = await admin.ContentAsync();
        page.Should().NotContain(connection.PrivateKeyPem?.Split('\n')[1] ?? connection.Password!, "the secret is sealed and never shown");
        foreach (var group in _appliance.KeyGroups(host.Id))
            page.Should().NotContain(group);

        // A technician sees how the host is reached, but may not change it.
        await using var other = await browser.PersonAsync(_appliance.Address);
        var technician = await People.SignedInAsync(other, _appliance.User("technician"));
        await technician.GotoAsync($"/hosts/{host.Id}");
        await Assertions.Expect(technician.GetByText($"{connection.UserName}@{connection.Address}:{connection.Port}")).ToBeVisibleAsync();
        (await technician.GetByRole(AriaRole.Button, new() { Name = "Save the SSH access" }).CountAsync()).Should().Be(0);
        (await technician.GetByRole(AriaRole.Button, new() { Name = "Pin" }).CountAsync()).Should().Be(0);
    }

    [BrowserFact]
    public async Task PoliciesPage_TagDefaultAndHostScopes_SavedShownAndAnImpossibleOneRefusedWithNothingSaved()
    {
        var host = _appliance.HostWithKey(); // tagged rack-7
        var policy = _appliance.Services.GetRequiredService<PolicyService>();
        await using var context = await browser.PersonAsync(_appliance.Address);
        var admin = await People.SignedInAsync(context, _appliance.User("admin"));

        await admin.GetByRole(AriaRole.Link, new() { Name = "Policies" }).ClickAsync();
        await Assertions.Expect(admin.GetByText("No desired policy is set")).ToBeVisibleAsync();
        await admin.GetByLabel("The hosts with a tag").CheckAsync();
        await admin.GetByRole(AriaRole.Textbox, new() { Name = "Tag" }).FillAsync("rack-7");
        await admin.GetByLabel("Require Secure Boot").SelectOptionAsync("yes");
        await admin.GetByLabel("Executables only from installed VIBs", new() { Exact = false }).SelectOptionAsync("no");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save the desired policy" }).ClickAsync();
        await Assertions.Expect(admin.GetByText("The desired policy of tag rack-7 is saved.")).ToBeVisibleAsync();
        var row = admin.Locator("tbody tr", new() { HasText = "rack-7" });
        await Assertions.Expect(row).ToContainTextAsync("required");
        await Assertions.Expect(row).ToContainTextAsync("not required");
        await PagesTests.ScreenshotsAsync(admin, "policies-with-a-tag");

        await admin.GetByLabel("Encryption mode").SelectOptionAsync("none");
        await admin.GetByLabel("Require Secure Boot").SelectOptionAsync("yes");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save the desired policy" }).ClickAsync();
        await Assertions.Expect(admin.GetByText("cannot be met", new() { Exact = false })).ToBeVisibleAsync();
        policy.ListDesired().Should().ContainSingle("an impossible policy is refused and nothing is written");

        await admin.GotoAsync($"/hosts/{host.Id}");
        await admin.GetByText("This host's own desired policy").ClickAsync();
        await admin.Locator("#desired ~ details").GetByLabel("Executables only from installed VIBs", new() { Exact = false }).SelectOptionAsync("yes");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save for this host" }).ClickAsync();
        await Assertions.Expect(admin.GetByText("This host's desired policy is saved")).ToBeVisibleAsync();
        await Assertions.Expect(admin.GetByText("This host has a desired policy of its own.")).ToBeVisibleAsync();
        policy.ListDesired().Should().Contain(d => d.Scope == "host" && d.HostId == host.Id && d.RequireExecInstalledOnly == true);

        await admin.GotoAsync("/policies");
        await Assertions.Expect(admin.Locator("tbody tr", new() { HasText = host.Name })).ToContainTextAsync("required");
        admin.Dialog += async (_, dialog) => await dialog.AcceptAsync();
        await row.GetByRole(AriaRole.Button, new() { Name = "Remove" }).ClickAsync();
        await Assertions.Expect(admin.GetByText("Tag rack-7 no longer has a desired policy of its own.")).ToBeVisibleAsync();
        policy.ListDesired().Should().ContainSingle().Which.Scope.Should().Be("host");
    }
}
