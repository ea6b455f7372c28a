using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using RecoveryAssist.Server.Features.Auth;
using RecoveryAssist.Server.Features.Network;

namespace RecoveryAssist.Server.Tests.Features.Auth;

/// <summary>Finding 8 of issue 13: sign-in as a security product does it.</summary>
public sealed class SignInTests : IAsyncLifetime
{
    private TestAppliance _appliance = null!;

    public async Task InitializeAsync() => _appliance = await TestAppliance.StartAsync();

    public async Task DisposeAsync() => await _appliance.DisposeAsync();

    [Fact]
    public async Task Cookie_ReplayedAfterSignOut_Refused()
    {
        var client = await _appliance.SignedInAsync("technician", "tech-out");
        var cookie = CookieOf(client);

        (await client.PostAsync("/api/auth/signout", null)).StatusCode.Should().Be(HttpStatusCode.NoContent);

        (await WithCookie(cookie).GetAsync("/api/hosts/")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Cookie_AfterPasswordChange_OldAndOtherSessionsEndCallerGoesOn()
    {
        var client = await _appliance.SignedInAsync("technician", "tech-pw");
        var other = await _appliance.SignInAsync("tech-pw", TestAppliance.Password);
        var oldCookie = CookieOf(client);
        var token = _appliance.CreateToken("technician", userName: "tech-pw", interactive: true);

        (await client.PostAsJsonAsync("/api/auth/password", new { currentPassword = TestAppliance.Password, newPassword = "another long password" })).StatusCode.Should().Be(HttpStatusCode.NoContent);

        (await WithCookie(oldCookie).GetAsync("/api/hosts/")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await other.GetAsync("/api/hosts/")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await WithToken(token).GetAsync("/api/hosts/")).StatusCode.Should().Be(HttpStatusCode.Unauthorized, "the CLI's sign-in token is a session too");
        (await client.GetAsync("/api/hosts/")).StatusCode.Should().Be(HttpStatusCode.OK, "the caller gets a new session");
        (await client.PostAsJsonAsync("/api/hosts", new { name = "after-pw.lab" })).StatusCode.Should().Be(HttpStatusCode.Created, "with the same CSRF token");
    }

    [Fact]
    public async Task LockedUser_TokensAndCookiesStopAtOnce_UnlockRestoresSignIn()
    {
        var admin = await _appliance.SignedInAsync("admin");
        var robot = await _appliance.SignedInAsync("automation", "robot-lock");
        var apiToken = (await (await robot.PostAsJsonAsync("/api/tokens", new { name = "ci" })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        (await WithToken(apiToken).GetAsync("/api/hosts/")).StatusCode.Should().Be(HttpStatusCode.OK);

        (await admin.PostAsync("/api/users/robot-lock/lock", null)).StatusCode.Should().Be(HttpStatusCode.NoContent);

        (await WithToken(apiToken).GetAsync("/api/hosts/")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await robot.GetAsync("/api/hosts/")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await _appliance.Anonymous().PostAsJsonAsync("/api/auth/signin", new { userName = "robot-lock", password = TestAppliance.Password })).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await admin.PostAsync("/api/users/robot-lock/unlock", null)).StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await WithToken(apiToken).GetAsync("/api/hosts/")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task RoleChange_EndsTheUsersSessions()
    {
        var admin = await _appliance.SignedInAsync("admin");
        var tech = await _appliance.SignedInAsync("technician", "tech-demoted");

        (await admin.PutAsJsonAsync("/api/users/tech-demoted/role", new { role = "auditor" })).StatusCode.Should().Be(HttpStatusCode.OK);

        (await tech.GetAsync("/api/hosts/")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task SignIn_UnknownUserAndWrongPassword_SameAnswer()
    {
        _appliance.CreateUser("known-user", "technician");

        var (unknownStatus, unknownBody) = await FailedSignInAsync("nobody-here", "wrong password!");
        var (wrongStatus, wrongBody) = await FailedSignInAsync("known-user", "wrong password!");

        unknownStatus.Should().Be(HttpStatusCode.Unauthorized);
        wrongStatus.Should().Be(unknownStatus);
        wrongBody.Should().Be(unknownBody);
    }

    [Fact]
    public async Task SignIn_AnonymousFloodOfWrongPasswordsForAdmin_RealAdminStillSignsIn()
    {
        _appliance.CreateUser("flooded-admin", "admin");
        using var attacker = From("127.0.0.2");
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 40; i++)
            answers.Add((await attacker.PostAsJsonAsync("/api/auth/signin", new { userName = "flooded-admin", password = "guess " + i })).StatusCode);

        answers.Should().OnlyContain(s => s == HttpStatusCode.Unauthorized || s == HttpStatusCode.TooManyRequests);
        answers.Should().Contain(HttpStatusCode.TooManyRequests, "the attacker's address is slowed down");
        var throttled = await attacker.PostAsJsonAsync("/api/auth/signin", new { userName = "flooded-admin", password = TestAppliance.Password });
        throttled.StatusCode.Should().Be(HttpStatusCode.TooManyRequests, "not even the right password goes through from the flooding address");
        throttled.Headers.RetryAfter.Should().NotBeNull();
        (await _appliance.Anonymous().PostAsJsonAsync("/api/auth/signin", new { userName = "flooded-admin", password = TestAppliance.Password }))
            .StatusCode.Should().Be(HttpStatusCode.OK, "the real admin, at another address, is not locked out");
    }

    [Theory]
    [InlineData("approve")]
    [InlineData("unlock")]
    public async Task CrossOriginPost_CookieOnly_RefusedAndNothingChanges(string action)
    {
        var admin = await _appliance.SignedInAsync("admin", "admin-csrf-" + action);
        var cookie = CookieOf(admin);
        _appliance.CreateUser("csrf-target-" + action, "technician");
        var path = action == "unlock" ? $"/api/users/csrf-target-{action}/lock" : $"/api/sessions/{Guid.NewGuid()}/approve";
        using var forged = new HttpRequestMessage(HttpMethod.Post, path);
        forged.Headers.Add("Cookie", cookie);
        forged.Headers.Add("Origin", "http://evil.example");

        var response = await _appliance.Anonymous().SendAsync(forged);

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await response.Content.ReadAsStringAsync()).Should().Contain("X-CSRF-Token");
        var users = await (await admin.GetAsync("/api/users/")).Content.ReadFromJsonAsync<JsonElement>();
        users.EnumerateArray().Single(u => u.GetProperty("userName").GetString() == "csrf-target-" + action).GetProperty("locked").GetBoolean().Should().BeFalse();
    }

    [Fact]
    public async Task Me_WithCookie_GivesTheCsrfToken()
    {
        var client = await _appliance.SignedInAsync("operator");

        var me = await client.GetFromJsonAsync<JsonElement>("/api/auth/me");

        me.GetProperty("csrfToken").GetString().Should().Be(client.DefaultRequestHeaders.GetValues(SessionAuthenticationHandler.CsrfHeader).Single());
    }

    private async Task<(HttpStatusCode Status, string Body)> FailedSignInAsync(string userName, string password)
    {
        using var response = await _appliance.Anonymous().PostAsJsonAsync("/api/auth/signin", new { userName, password });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (response.StatusCode, $"{body.GetProperty("type")} {body.GetProperty("title")} {body.GetProperty("detail")}");
    }

    /// <summary>The session cookie as a request header, as a forger who copied it would send it.</summary>
    private static string CookieOf(HttpClient client)
    {
        var handler = (HttpClientHandler)typeof(HttpMessageInvoker).GetField("_handler", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(client)!;
        var cookie = handler.CookieContainer.GetAllCookies().Single(c => c.Name == SessionCookie.Name);
        return $"{cookie.Name}={cookie.Value}";
    }

    private HttpClient WithCookie(string cookie)
    {
        var handler = _appliance.Handler();
        handler.UseCookies = false;
        var client = new HttpClient(handler) { BaseAddress = _appliance.Address };
        client.DefaultRequestHeaders.Add("Cookie", cookie);
        return client;
    }

    private HttpClient WithToken(string token)
    {
        var client = _appliance.Anonymous();
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        return client;
    }

    /// <summary>A client whose connections come from another loopback address (another machine, as the appliance sees it).</summary>
    private HttpClient From(string localAddress) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, cancellation) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Parse(localAddress), 0));
            await socket.ConnectAsync(context.DnsEndPoint, cancellation);
            return new NetworkStream(socket, ownsSocket: true);
        },
        SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && TlsCertificate.Fingerprint(certificate.GetRawCertData()) == _appliance.CertificateFingerprint },
    }) { BaseAddress = _appliance.Address };
}
