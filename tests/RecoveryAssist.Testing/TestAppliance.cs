using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using RecoveryAssist.Server.Features.Auth;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Features.Network;
using RecoveryAssist.Server.Hosting;

namespace RecoveryAssist.Testing;

/// <summary>
/// The real appliance in-process on Kestrel over a fresh data directory (deleted at the end unless the caller
/// chose it): the people side on HTTPS (its generated certificate trusted by fingerprint) and the provisioning
/// side on plain HTTP, each on a free loopback port, with its TFTP server on a free port.
/// </summary>
internal sealed class TestAppliance : IAsyncDisposable
{
    public const string Password = "correct horse battery staple";

    private readonly WebApplication _app;
    private readonly bool _ownsDataDirectory;
    private readonly List<HttpClient> _clients = [];
    private bool _stopped;

    private TestAppliance(WebApplication app, string dataDirectory, bool ownsDataDirectory, ListenSides sides, StringWriter console)
    {
        _app = app;
        DataDirectory = dataDirectory;
        _ownsDataDirectory = ownsDataDirectory;
        Address = sides.People;
        ProvisioningAddress = sides.Provisioning;
        CertificateFingerprint = sides.CertificateFingerprint;
        Console = console;
    }

    public string DataDirectory { get; }

    /// <summary>The people side: sign-in, /api, /console (https:// unless a test chose a loopback http:// URL).</summary>
    public Uri Address { get; }

    /// <summary>The provisioning side: anonymous /boot/* over plain HTTP.</summary>
    public Uri ProvisioningAddress { get; }

    /// <summary>The SHA-256 fingerprint of the people side's certificate (null on plain HTTP).</summary>
    public string? CertificateFingerprint { get; }

    /// <summary>The generated certificate, as <c>--ca</c>/<c>RECOVERYASSIST_CA</c> takes it.</summary>
    public string CertificateFile => Path.Combine(DataDirectory, TlsCertificate.Directory, TlsCertificate.CertificateFileName);

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
            "--RecoveryAssist:Listen:People=https://127.0.0.1:0",
            "--RecoveryAssist:Listen:Provisioning=http://127.0.0.1:0",
            $"--{AppOptions.Section}:DataDirectory={dataDirectory}",
            "--RecoveryAssist:Boot:TftpPort=0",
            "--Logging:LogLevel:Default=Warning",
            .. settings,
        ];
        var app = AppHost.Build(args, configure, console);
        await app.StartAsync();
        return new TestAppliance(app, dataDirectory, owned, app.Services.GetRequiredService<ListenSides>(), console);
    }

    /// <summary>An HTTP client of the people side with no credentials.</summary>
    public HttpClient Anonymous()
    {
        var client = new HttpClient(Handler(new CookieContainer())) { BaseAddress = Address };
        _clients.Add(client);
        return client;
    }

    /// <summary>A client of the provisioning side (/boot/*), as iPXE and the ESXi boot loader are.</summary>
    public HttpClient Provisioning()
    {
        var client = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = ProvisioningAddress };
        _clients.Add(client);
        return client;
    }

    /// <summary>
    /// A client of the provisioning side whose connections come from <paramref name="local"/>: another loopback
    /// address (127.0.0.2) is another machine to the appliance.
    /// </summary>
    public HttpClient ProvisioningFrom(IPAddress local)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(local, 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
            },
        };
        var client = new HttpClient(handler) { BaseAddress = ProvisioningAddress };
        _clients.Add(client);
        return client;
    }

    /// <summary>A handler that trusts exactly this appliance's certificate (by fingerprint), with <paramref name="cookies"/>.</summary>
    public HttpClientHandler Handler(CookieContainer? cookies = null) => TrustingHandler(CertificateFingerprint, cookies);

    /// <summary>A handler that trusts the certificate with <paramref name="fingerprint"/> and nothing else.</summary>
    public static HttpClientHandler TrustingHandler(string? fingerprint, CookieContainer? cookies = null) => new()
    {
        UseCookies = true,
        CookieContainer = cookies ?? new CookieContainer(),
        ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            certificate is not null && fingerprint is not null && TlsCertificate.Fingerprint(certificate) == fingerprint,
    };

    /// <summary>The command line pointed at the people side, trusting its certificate through <c>RECOVERYASSIST_CA</c>.</summary>
    public CliProcess Cli(string? token = null) => new(Address, token, CertificateFingerprint is null ? null : CertificateFile);

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
