using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using RecoveryAssist.Server.Features.Auth;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Hosting;

namespace RecoveryAssist.Server.Tests.Infrastructure;

/// <summary>The real appliance on Kestrel, on a free loopback port, over a fresh data directory.</summary>
internal sealed class TestAppliance : IAsyncDisposable
{
    public const string Password = "correct horse battery staple";

    private readonly WebApplication _app;
    private readonly List<HttpClient> _clients = [];

    private TestAppliance(WebApplication app, string dataDirectory, Uri address, StringWriter console)
    {
        _app = app;
        DataDirectory = dataDirectory;
        Address = address;
        Console = console;
    }

    public string DataDirectory { get; }

    public Uri Address { get; }

    /// <summary>What the appliance printed on its console (first-run messages).</summary>
    public StringWriter Console { get; }

    internal IServiceProvider Services => _app.Services;

    public static Task<TestAppliance> StartAsync(string? dataDirectory = null, params string[] settings) =>
        StartAsync(null, dataDirectory, settings);

    /// <summary>Starts the appliance with its clock replaced (e.g. a FakeTimeProvider, to expire sessions without waiting).</summary>
    public static async Task<TestAppliance> StartAsync(TimeProvider? time, string? dataDirectory, params string[] settings)
    {
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
        var app = AppHost.Build(args, time is null ? null : builder => builder.Services.AddSingleton(time), console);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestAppliance(app, dataDirectory, new Uri(address), console);
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
        var client = Anonymous();
        var response = await client.PostAsJsonAsync("/api/auth/signin", new { userName, password = Password });
        response.EnsureSuccessStatusCode();
        return client;
    }

    /// <summary>Creates a user of <paramref name="role"/> and returns a client that presents an API token.</summary>
    internal HttpClient WithToken(string role, IReadOnlyList<Permission>? scopes = null)
    {
        var token = CreateToken(role, scopes);
        var client = Anonymous();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Creates a user of <paramref name="role"/> and an API token for it.</summary>
    internal string CreateToken(string role, IReadOnlyList<Permission>? scopes = null)
    {
        var userName = role.ToLowerInvariant() + "-t-" + Guid.NewGuid().ToString("N")[..6];
        var users = CreateUser(userName, role);
        return users.CreateToken(users.Find(userName)!, "test", scopes, null, Actor.System).Token;
    }

    internal UserService CreateUser(string userName, string role)
    {
        var users = Services.GetRequiredService<UserService>();
        users.Create(userName, Enum.Parse<Role>(role, ignoreCase: true), Password, Actor.System);
        return users;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
            client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
