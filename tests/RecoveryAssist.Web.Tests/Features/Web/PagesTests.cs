using Deque.AxeCore.Playwright;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Features.HostOps;
using RecoveryAssist.Server.Features.Recovery;
using RecoveryAssist.Web.Tests.Infrastructure;

namespace RecoveryAssist.Web.Tests.Features.Web;

/// <summary>
/// Every page of the console, for every role, in Chromium: the roles it is for get it with no serious
/// or critical accessibility violation (axe-core) and no digit of a key; the others get a 403 and no
/// link to it. Each page's screenshot at 1280×800 and 390×844 lands in artifacts/screenshots/.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class PagesTests(BrowserFixture browser) : IAsyncLifetime
{
    private static readonly string[] Roles = ["admin", "technician", "operator", "automation", "auditor"];

    private WebAppliance _appliance = null!;

    public async Task InitializeAsync() => _appliance = await WebAppliance.StartAsync();

    public async Task DisposeAsync() => await _appliance.DisposeAsync();

    /// <summary>The pages, with who may see them (the first named is the one screenshotted).</summary>
    private static IReadOnlyList<(string Name, string Url, string Roles)> Pages(HostRecord host, Guid awaiting, Guid approved, Guid job) =>
    [
        ("home", "/", "technician admin operator automation auditor"),
        ("recover", "/recover", "technician admin"),
        ("sessions", "/sessions", "technician admin operator automation auditor"),
        ("session", $"/sessions/{awaiting}", "technician admin operator automation auditor"),
        ("console", $"/console/sessions/{approved}", "operator technician"),
        ("hosts", "/hosts", "technician admin operator automation auditor"),
        ("hosts-search", "/hosts?q=rack-7", "technician admin operator automation auditor"),
        ("host", $"/hosts/{host.Id}", "admin technician operator automation auditor"),
        ("jobs", "/jobs", "technician admin operator automation auditor"),
        ("job", $"/jobs/{job}", "technician admin operator automation auditor"),
        ("checkins", "/checkins", "technician admin operator automation auditor"),
        ("policies", "/policies", "admin technician operator automation auditor"),
        ("import", "/import", "admin automation"),
        ("images", "/images", "admin automation"),
        ("audit", "/audit", "auditor admin"),
        ("users", "/admin/users", "admin"),
        ("tokens", "/tokens", "technician admin operator automation auditor"),
        ("password", "/password", "technician admin operator automation auditor"),
        ("totp", "/totp", "technician admin operator automation auditor"),
    ];

    [BrowserFact]
    public async Task EveryPage_EveryRole_AllowedWithoutAxeViolationsOrKeyDigits_OthersGet403AndNoLink()
    {
        var host = _appliance.HostWithKey();
        var other = _appliance.HostWithKey();
        var requester = _appliance.User("technician");
        var awaiting = _appliance.Sessions.Open(host.Name, null, "tpm-failed", "CHG-100", "console", new Person(requester, "Technician", null));
        var approved = _appliance.Sessions.Open(other.Name, null, "motherboard-replaced", "CHG-101", "console", new Person(requester, "Technician", null));
        _appliance.Sessions.Approve(approved.Id, new Person("someone-else", "Technician", null));
        var job = StartFailingJob(host);
        var groups = _appliance.KeyGroups(host.Id).Concat(_appliance.KeyGroups(other.Id)).ToList();
        var pages = Pages(host, awaiting.Id, approved.Id, job);
        var problems = new List<string>();
        var shot = new HashSet<string>();

        foreach (var role in Roles)
        {
            await using var context = await browser.PersonAsync(_appliance.Address);
            var page = await People.SignedInAsync(context, _appliance.User(role));
            var homeLinks = await page.Locator("header nav a").EvaluateAllAsync<string[]>("links => links.map(a => a.getAttribute('href'))");
            foreach (var (name, url, roles) in pages)
            {
                var allowed = roles.Split(' ').Contains(role);
                var response = await page.GotoAsync(url);
                var status = response!.Status;
                if (!allowed)
                {
                    if (status != 403)
                        problems.Add($"{role} {url}: {status}, expected 403");
                    if (homeLinks.Contains(url))
                        problems.Add($"{role}: the menu links to {url}, which refuses the role");
                    continue;
                }
                if (status != 200)
                {
                    problems.Add($"{role} {url}: {status}, expected 200");
                    continue;
                }
                var text = await page.InnerTextAsync("body") + await page.ContentAsync();
                foreach (var group in groups.Where(g => text.Contains(g, StringComparison.Ordinal)))
                    problems.Add($"{role} {url}: shows key group {group.Length} digits long");
                if (shot.Add(name))
                {
                    var axe = await page.RunAxe();
                    foreach (var violation in axe.Violations.Where(v => v.Impact is "serious" or "critical"))
                        problems.Add($"{role} {url}: axe {violation.Impact} {violation.Id}: {violation.Help} ({string.Join(" ", violation.Nodes.Take(3).Select(n => n.Target?.ToString()))})");
                    await ScreenshotsAsync(page, name);
                }
            }
        }
        await using (var anonymous = await browser.PersonAsync(_appliance.Address))
        {
            var page = await anonymous.NewPageAsync();
            await page.GotoAsync("/hosts");
            page.Url.Should().Contain("/login?returnUrl=%2Fhosts", "a browser that is not signed in goes to the sign-in page");
            var axe = await page.RunAxe();
            problems.AddRange(axe.Violations.Where(v => v.Impact is "serious" or "critical").Select(v => $"login: axe {v.Impact} {v.Id}: {v.Help}"));
            await ScreenshotsAsync(page, "login");
            var api = await page.APIRequest.GetAsync("/api/hosts");
            api.Status.Should().Be(401, "API clients get a status, not the sign-in page");
        }

        problems.Should().BeEmpty();
    }

    [BrowserFact]
    public async Task SessionPage_RoleThatMayOnlyLook_PostsApproveAndDecline_403_SessionUnchanged_RefusalsAudited()
    {
        var host = _appliance.HostWithKey();
        var session = _appliance.Sessions.Open(host.Name, null, "tpm-failed", "CHG-403", "console", new Person(_appliance.User("technician"), "Technician", null));
        var operatorName = _appliance.User("operator");
        await using var context = await browser.PersonAsync(_appliance.Address);
        var page = await People.SignedInAsync(context, operatorName);
        (await page.GotoAsync($"/sessions/{session.Id}"))!.Status.Should().Be(200, "an operator may look at the session");
        // The sign-out form's token: antiforgery tokens belong to the signed-in person, not to one form.
        var token = await page.Locator("input[name=__RequestVerificationToken]").First.GetAttributeAsync("value");

        foreach (var (url, handler) in new[] { ($"/sessions/{session.Id}", "Approve"), ($"/sessions/{session.Id}", "Decline"), ("/sessions", "Approve"), ("/sessions", "Decline") })
        {
            var form = context.APIRequest.CreateFormData();
            form.Set("__RequestVerificationToken", token!);
            form.Set("id", session.Id.ToString());
            form.Set("reason", "not mine to decline");
            var response = await page.APIRequest.PostAsync($"{url}?handler={handler}&id={session.Id}", new() { Form = form, MaxRedirects = 0 });
            response.Status.Should().Be(403, $"{handler} posted to {url} by a role without sessions:approve");
        }

        _appliance.Sessions.Get(session.Id).State.Should().Be(SessionState.Opened, "nothing was approved or declined");
        var refused = _appliance.Services.GetRequiredService<RecoveryAssist.Server.Features.Audit.AuditLog>().Read(0, 10_000)
            .Where(r => r.Actor == operatorName && r.Outcome == "denied").Select(r => r.Action).ToList();
        refused.Should().BeEquivalentTo(["session.approve", "session.decline", "session.approve", "session.decline"], "a refusal from a page is audited as the API's is");
    }

    /// <summary>The current page at 1280×800 and 390×844 (whole page), into artifacts/screenshots/.</summary>
    internal static async Task ScreenshotsAsync(IPage page, string name)
    {
        foreach (var (width, height) in new[] { (1280, 800), (390, 844) })
        {
            await page.SetViewportSizeAsync(width, height);
            await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, $"{name}-{width}x{height}.png"), FullPage = true });
        }
        await page.SetViewportSizeAsync(1280, 800);
    }

    /// <summary>A collect job on a host whose SSH port answers nothing: it runs, fails, and has a page.</summary>
    private Guid StartFailingJob(HostRecord host)
    {
        _appliance.Services.GetRequiredService<HostSshAccess>().Set(host.Id,
            new SshAccessInput("root", FreePort.Tcp(), "127.0.0.1", "not a real password", null), Actor.System);
        return _appliance.Jobs.Start(JobKind.Collect, host.Id, null, Actor.System).Id;
    }
}
