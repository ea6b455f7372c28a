using Microsoft.Playwright;
using RecoveryAssist.EndToEnd.Tests.Infrastructure;

namespace RecoveryAssist.Web.Tests.Infrastructure;

/// <summary>
/// One headless Debian Chromium for every browser test (Playwright's driver ships in its NuGet
/// package; the browser is the system's), and one real sshd with the ESXi simulator, started when a
/// test first needs it. Each test makes its own appliance, users and browser contexts.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private readonly Lazy<SshdFixture> _sshd = new(() => new SshdFixture());

    public IPlaywright Playwright { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public SshdFixture Sshd => _sshd.Value;

    /// <summary>Where every page's screenshot goes: <c>artifacts/screenshots/</c> at the repository root.</summary>
    public static string ScreenshotDirectory { get; } = Path.Combine(RepositoryRoot(), "artifacts", "screenshots");

    public async Task InitializeAsync()
    {
        if (ChromiumRequirement.MissingReason is { } missing)
        {
            throw new InvalidOperationException($"The browser tests cannot run: {missing}. Install the Debian packages chromium and fonts-dejavu-core"
                + (SshdRequirement.IsCi ? " (CI=true: a missing browser fails the run instead of skipping)." : "."));
        }
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumRequirement.ExecutablePath,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage"],
        });
        Directory.CreateDirectory(ScreenshotDirectory);
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
            await Browser.DisposeAsync();
        Playwright?.Dispose();
        if (_sshd.IsValueCreated)
            _sshd.Value.Dispose();
    }

    /// <summary>A fresh browser profile (its own cookies) for one person, at a given screen size.</summary>
    public Task<IBrowserContext> PersonAsync(Uri baseUrl, int width = 1280, int height = 800) =>
        Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseUrl.ToString().TrimEnd('/'),
            // The people-side listener may be HTTPS with a self-signed certificate made at first start.
            IgnoreHTTPSErrors = true,
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Locale = "en-GB",
        });

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "RecoveryAssist.sln")))
            directory = directory.Parent;
        return directory?.FullName ?? AppContext.BaseDirectory;
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}
