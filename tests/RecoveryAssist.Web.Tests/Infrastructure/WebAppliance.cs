using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using RecoveryAssist.Core.Boot;
using RecoveryAssist.EndToEnd.Tests.Infrastructure;
using RecoveryAssist.Server.Features.Auth;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Features.HostOps;
using RecoveryAssist.Server.Features.Recovery;

namespace RecoveryAssist.Web.Tests.Infrastructure;

/// <summary>
/// The real appliance in-process (Kestrel, LiteDB on disk) with short host-operation timeouts and the
/// post-recovery watch every second, plus what the browser tests need to set the scene.
/// </summary>
internal sealed class WebAppliance : IAsyncDisposable
{
    private static readonly string[] Settings =
    [
        $"--{HostOpsOptions.Section}:ConnectTimeoutSeconds=10",
        $"--{HostOpsOptions.Section}:CommandTimeoutSeconds=15",
        $"--{HostOpsOptions.Section}:MaxAttempts=2",
        $"--{HostOpsOptions.Section}:RetryDelayMilliseconds=50",
        $"--{HostOpsOptions.Section}:MaxRetryDelaySeconds=1",
        $"--{HostOpsOptions.Section}:WaitForSshSeconds=120",
        $"--{HostOpsOptions.Section}:WaitForSshPollSeconds=1",
        $"--{HostOpsOptions.Section}:RecoveryWatchSeconds=1",
    ];

    private static int _hosts;

    private WebAppliance(TestAppliance appliance) => Appliance = appliance;

    public TestAppliance Appliance { get; }

    public Uri Address => Appliance.Address;

    public IServiceProvider Services => Appliance.Services;

    public EscrowService Escrow => Services.GetRequiredService<EscrowService>();

    public RecoverySessionService Sessions => Services.GetRequiredService<RecoverySessionService>();

    public UserService Users => Services.GetRequiredService<UserService>();

    public HostOpsService Jobs => Services.GetRequiredService<HostOpsService>();

    public static async Task<WebAppliance> StartAsync(params string[] settings) =>
        new(await TestAppliance.StartAsync(dataDirectory: null, [.. Settings, .. settings]));

    public static string NextHostName(string prefix = "esx") => $"{prefix}-web-{Interlocked.Increment(ref _hosts):D3}.lab";

    /// <summary>A user with <see cref="TestAppliance.Password"/>.</summary>
    public string User(string role, string? name = null)
    {
        name ??= role + "-" + Guid.NewGuid().ToString("N")[..5];
        Appliance.CreateUser(name, role);
        return name;
    }

    /// <summary>A user with a one-time password, as an admin creates one.</summary>
    public (string Name, string OneTimePassword) NewUser(string role)
    {
        var name = role + "-" + Guid.NewGuid().ToString("N")[..5];
        var (_, oneTime) = Users.Create(name, Enum.Parse<Role>(role, ignoreCase: true), null, Actor.System);
        return (name, oneTime!);
    }

    /// <summary>The key published as an example (ESXi's documentation); the only key a saved picture may show.</summary>
    public const string PublishedSampleList =
        "Recovery ID                             Key\n" +
        "--------------------------------------  ---\n" +
        "{2DDD5424-7F3F-406A-8DA8-D62630F6C8BC}  478269-039194-473926-430939-686855-231401-642208-184477-602511-225586-551660-586542-338394-092578-687140-267425\n";

    /// <summary>A host with an imported key (no SSH), with identity to search by; a random key unless <paramref name="listOutput"/> says which.</summary>
    public HostRecord HostWithKey(string? name = null, string? kernelOpt = "runweasel", string? listOutput = null)
    {
        name ??= NextHostName();
        var suffix = (Interlocked.Increment(ref _hosts) % 250).ToString("x2", System.Globalization.CultureInfo.InvariantCulture);
        var host = Escrow.CreateHost(new HostInput(name, "192.0.2." + (_hosts % 250), Guid.NewGuid().ToString(), "SN-" + name.ToUpperInvariant()[..6],
            [$"00:50:56:aa:bb:{suffix}"], "198.51.100.7", "8.0.3", "24022510", kernelOpt, ["rack-7"]), Actor.System);
        Escrow.ImportForHost(host.Id, listOutput ?? EsxcliOutput.NewHostKey().Output, null, KeySource.Imported, Actor.System);
        return host;
    }

    /// <summary>A simulated ESXi host behind the real sshd, enrolled with its SSH access and collected once.</summary>
    public async Task<HostRecord> EnrolSimulatedAsync(SshdFixture sshd, string name)
    {
        var connection = sshd.AddHost(name);
        var host = Escrow.CreateHost(new HostInput(name, ManagementAddress: connection.Address, Tags: ["rack-7"]), Actor.System);
        Services.GetRequiredService<HostSshAccess>().Set(host.Id,
            new SshAccessInput(connection.UserName, connection.Port, connection.Address, connection.Password, connection.PrivateKeyPem), Actor.System);
        var job = Jobs.Start(JobKind.Collect, host.Id, null, Actor.System);
        await Eventually.Until(() => !Jobs.Get(job.Id).IsActive, TimeSpan.FromSeconds(60), "the first collection to end");
        Jobs.Get(job.Id).State.Should().Be(JobState.Succeeded, Jobs.Get(job.Id).Error);
        return Escrow.GetHost(host.Id);
    }

    /// <summary>What the console operator must type: the escrowed current key's text to type (leading space and option name).</summary>
    public string EscrowedTextToType(Guid hostId)
    {
        var keys = Services.GetRequiredService<EscrowedKeys>();
        var current = keys.Current(hostId, out _)!;
        return BootOptionLine.Build(null, keys.Open(current)).TextToType;
    }

    /// <summary>The current key's 16 groups, to prove that no page but the console shows any of them.</summary>
    public IReadOnlyList<string> KeyGroups(Guid hostId)
    {
        var keys = Services.GetRequiredService<EscrowedKeys>();
        return keys.Open(keys.Current(hostId, out _)!).RevealGroups();
    }

    public ValueTask DisposeAsync() => Appliance.DisposeAsync();
}

/// <summary>Waits for a condition by asking again, never by sleeping a fixed time.</summary>
internal static class Eventually
{
    public static async Task Until(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Timed out waiting for {what}.");
            await Task.Delay(50);
        }
    }
}

/// <summary>What a person does in the browser, written once.</summary>
internal static class People
{
    public static async Task SignInAsync(IPage page, string userName, string password)
    {
        await page.GotoAsync("/login");
        await page.GetByLabel("User name").FillAsync(userName);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await LeftAsync(page, "/login");
    }

    /// <summary>
    /// Waits until the page's address matches <paramref name="pattern"/> (a regular expression). The address is
    /// polled (a form's redirect may have ended before the wait began); when it never matches, the failure says
    /// what the page shows (its error), not only that time ran out.
    /// </summary>
    public static Task ArrivedAsync(IPage page, string pattern) =>
        ExplainedAsync(page, () => Assertions.Expect(page).ToHaveURLAsync(new Regex(pattern), new() { Timeout = 30_000 }), $"to reach {pattern}");

    /// <summary>Waits until the page's address no longer contains <paramref name="path"/>, as <see cref="ArrivedAsync"/> does.</summary>
    public static Task LeftAsync(IPage page, string path) =>
        ExplainedAsync(page, () => Assertions.Expect(page).Not.ToHaveURLAsync(new Regex(Regex.Escape(path)), new() { Timeout = 30_000 }), $"to leave {path}");

    private static async Task ExplainedAsync(IPage page, Func<Task> wait, string what)
    {
        try
        {
            await wait();
        }
        catch (PlaywrightException)
        {
            throw new InvalidOperationException($"Expected the page {what}; it stayed at {page.Url} and says: {await page.Locator("main").InnerTextAsync()}");
        }
    }

    public static async Task<IPage> SignedInAsync(IBrowserContext context, string userName, string password = TestAppliance.Password)
    {
        var page = await context.NewPageAsync();
        await SignInAsync(page, userName, password);
        return page;
    }
}
