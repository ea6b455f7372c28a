using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using RecoveryAssist.Server.Features.Auth;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Hosting;

namespace RecoveryAssist.Testing;

/// <summary>
/// The real appliance in-process on Kestrel, on a free loopback port, over a fresh data directory
/// (deleted at the end unless the caller chose it), with its TFTP server on a free port.
/// </summary>
internal sealed class TestAppliance : IAsyncDisposable
{
    public const string Password = "correct horse battery staple";

    private readonly WebApplication _app;
    private readonly bool _ownsDataDirectory;
    private readonly List<HttpClient> _clients = [];
    private bool _stopped;

    private TestAppliance(WebApplication app, string dataDirectory, bool ownsDataDirectory, Uri address, StringWriter console)
    {
        _app = app;
        DataDirectory = dataDirectory;
        _ownsDataDirectory = ownsDataDirectory;
        Address = address;
        Console = console;
    }

    public string DataDirectory { get; }

    public Uri Address { get; }

    /// <summary>What the appliance printed on its console (first-run messages).</summary>
    public StringWriter Console { get; }

    public IServiceProvider Services => _app.Services;

    public static Task<TestAppliance> StartAsync(string? dataDirectory = null, params string[] settings) =>
        StartAsync(configure: null, dataDirectory, settings);

    /// <summary>Starts the appliance with its clock replaced (e.g. a FakeTimeProvider, to expire sessions without waiting).</summary>
    public static Task<TestAppliance> StartAsync(TimeProvider time, string? dataDirectory, params string[] settings) =>
        StartAsync(builder => builder.Services.AddSingleton(time), dataDirectory, settings);

    /// <summary>
    /// Starts the appliance; <paramref name="configure"/> adds or replaces services, and <paramref name="settings"/>
    /// (command-line style, <c>--Section:Key=value</c>) override the defaults here, <c>--urls</c> included.
    /// </summary>
    public static async Task<TestAppliance> StartAsync(Action<WebApplicationBuilder>? configure, string? dataDirectory, params string[] settings)
    {
        var owned = dataDirectory is null;
        dataDirectory ??= Path.Combine(Path.GetTempPath(), "ra-test-" + Guid.NewGuid().ToString("N"));
        var console = new StringWriter();
        string[] args =
        [
            "--urls", "http://127.0.0.1:0",
            $"--{AppOptions.Section}:DataDirectory={dataDirectory}",
            "--RecoveryAssist:Boot:TftpPort=0",
            "--Logging:LogLevel:Default=Warning",
            .. settings,
        ];
        var app = AppHost.Build(args, configure, console);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestAppliance(app, dataDirectory, owned, new Uri(address), console);
    }

    /// <summary>An HTTP client with no credentials.</summary>
    public HttpClient Anonymous()
    {
        var client = new HttpClient(new HttpClientHandler { UseCookies = true, CookieContainer = new CookieContainer() }) { BaseAddress = Address };
        _clients.Add(client);
        return client;
    }

    /// <summary>Creates a user of <paramref name="role"/> and returns a client signed in with a cookie.</summary>
    public async Task<HttpClient> SignedInAsync(string role, string? userName = null)
    {
        userName ??= role.ToLowerInvariant() + "-" + Guid.NewGuid().ToString("N")[..6];
        CreateUser(userName, role);
        return await SignInAsync(userName, Password);
    }

    /// <summary>Signs an existing user in and returns a client with the session cookie and its CSRF token.</summary>
    public async Task<HttpClient> SignInAsync(string userName, string password)
    {
        var client = Anonymous();
        var response = await client.PostAsJsonAsync("/api/auth/signin", new { userName, password });
        response.EnsureSuccessStatusCode();
        // Changes made with the cookie carry the session's CSRF token, as the pages' scripts do.
        var signedIn = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        client.DefaultRequestHeaders.Add(SessionAuthenticationHandler.CsrfHeader, signedIn.GetProperty("csrfToken").GetString());
        return client;
    }

    /// <summary>Creates a user of <paramref name="role"/> and returns a client that presents an API token.</summary>
    public HttpClient WithToken(string role, IReadOnlyList<Permission>? scopes = null)
    {
        var token = CreateToken(role, scopes);
        var client = Anonymous();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>
    /// Creates a user of <paramref name="role"/> (or uses <paramref name="userName"/>) and an API token for it;
    /// <paramref name="interactive"/>: a sign-in token as the CLI's login gets (the only kind that may reveal).
    /// </summary>
    public string CreateToken(string role, IReadOnlyList<Permission>? scopes = null, string? userName = null, bool interactive = false)
    {
        userName ??= role.ToLowerInvariant() + "-t-" + Guid.NewGuid().ToString("N")[..6];
        var users = Services.GetRequiredService<UserService>();
        if (users.Find(userName) is null)
            CreateUser(userName, role);
        return users.CreateToken(users.Find(userName)!, "test", scopes, null, Actor.System, interactive).Token;
    }

    /// <summary>Creates a user of <paramref name="role"/> (admin, technician, operator, automation, auditor) with <see cref="Password"/>.</summary>
    public void CreateUser(string userName, string role) =>
        Services.GetRequiredService<UserService>().Create(userName, Enum.Parse<Role>(role, ignoreCase: true), Password, Actor.System);

    /// <summary>Stops the appliance and closes its store, keeping the data directory (to inspect it, or to start again on it).</summary>
    public async Task StopAsync()
    {
        if (_stopped)
            return;
        _stopped = true;
        foreach (var client in _clients)
            client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_ownsDataDirectory)
            TestDirectory.Delete(DataDirectory);
    }
}
