using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OtpNet;
using RecoveryAssist.Server.Features.Audit;
using RecoveryAssist.Server.Features.Auth;

namespace RecoveryAssist.Server.Tests.Features.Auth;

/// <summary>The optional TOTP second factor (issue 13), on the real appliance with its clock in the test's hands.</summary>
public sealed class TotpTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 10, 0, 5, TimeSpan.Zero));
    private TestAppliance _appliance = null!;

    public async Task InitializeAsync() => _appliance = await TestAppliance.StartAsync(_time, null);

    public async Task DisposeAsync() => await _appliance.DisposeAsync();

    [Fact]
    public async Task SignIn_AfterEnrolAndConfirm_NeedsAFreshCodeEachTime()
    {
        var tech = await _appliance.SignedInAsync("technician", "tech-totp");
        var secret = await EnrolAndConfirmAsync(tech, "tech-totp");

        var missing = await SignInAsync("tech-totp", TestAppliance.Password, null);
        missing.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await Title(missing)).Should().Be(UserService.TotpRequired);
        var wrong = await SignInAsync("tech-totp", TestAppliance.Password, "000000");
        var wrongPassword = await SignInAsync("tech-totp", "not the password", Code(secret));
        wrong.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await Answer(wrong)).Should().Be(await Answer(wrongPassword), "a wrong code is answered as a wrong password");

        var used = Code(secret);
        (await SignInAsync("tech-totp", TestAppliance.Password, used)).StatusCode.Should().Be(HttpStatusCode.Unauthorized, "the confirming code was used already");
        _time.Advance(TimeSpan.FromSeconds(30));
        var code = Code(secret);
        (await SignInAsync("tech-totp", TestAppliance.Password, code)).StatusCode.Should().Be(HttpStatusCode.OK);
        var replay = await SignInAsync("tech-totp", TestAppliance.Password, code);
        replay.StatusCode.Should().Be(HttpStatusCode.Unauthorized, "a code is good once");
        (await Title(replay)).Should().Be("invalid-credentials");

        _time.Advance(TimeSpan.FromSeconds(30));
        var token = await _appliance.Anonymous().PostAsJsonAsync("/api/auth/token", new { userName = "tech-totp", password = TestAppliance.Password, totpCode = Code(secret) });
        token.StatusCode.Should().Be(HttpStatusCode.OK, "the CLI's token sign-in takes the code too");
        (await _appliance.Anonymous().PostAsJsonAsync("/api/auth/token", new { userName = "tech-totp", password = TestAppliance.Password })).StatusCode.Should().Be(HttpStatusCode.Unauthorized);

        var audit = _appliance.Services.GetRequiredService<AuditLog>().Search("user:tech-totp", null, null, null, null, 100);
        audit.Should().Contain(e => e.Action == "user.totp-enrolled" && e.Actor == "tech-totp");
        audit.Should().Contain(e => e.Action == "user.totp-confirmed" && e.Actor == "tech-totp" && e.Outcome == AuditEntry.Success);
        _appliance.Console.ToString().Should().NotContain(Base32Encoding.ToString(secret));
    }

    [Fact]
    public async Task Confirm_WrongCode_StaysOff()
    {
        var tech = await _appliance.SignedInAsync("technician", "tech-wrong-confirm");
        await (await tech.PostAsync("/api/auth/totp/enrol", null)).Content.ReadFromJsonAsync<JsonElement>();

        (await tech.PostAsJsonAsync("/api/auth/totp/confirm", new { code = "123" })).StatusCode.Should().Be(HttpStatusCode.BadRequest);

        (await SignInAsync("tech-wrong-confirm", TestAppliance.Password, null)).StatusCode.Should().Be(HttpStatusCode.OK, "an unconfirmed secret asks for nothing");
    }

    [Fact]
    public async Task Disable_WithCurrentCode_AndAdminReset_TurnItOff()
    {
        var tech = await _appliance.SignedInAsync("technician", "tech-off");
        var secret = await EnrolAndConfirmAsync(tech, "tech-off");
        (await tech.PostAsync("/api/auth/totp/enrol", null)).StatusCode.Should().Be(HttpStatusCode.Conflict, "an active factor is not replaced by whoever holds the session");
        (await tech.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "/api/auth/totp") { Content = JsonContent.Create(new { code = "999999" }) })).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        _time.Advance(TimeSpan.FromSeconds(30));

        (await tech.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "/api/auth/totp") { Content = JsonContent.Create(new { code = Code(secret) }) })).StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await SignInAsync("tech-off", TestAppliance.Password, null)).StatusCode.Should().Be(HttpStatusCode.OK);

        secret = await EnrolAndConfirmAsync(tech, "tech-off");
        var admin = await _appliance.SignedInAsync("admin", "admin-reset");
        (await admin.PostAsync("/api/users/tech-off/totp/reset", null)).StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await tech.GetAsync("/api/hosts/")).StatusCode.Should().Be(HttpStatusCode.Unauthorized, "a reset ends the user's sessions");
        (await SignInAsync("tech-off", TestAppliance.Password, null)).StatusCode.Should().Be(HttpStatusCode.OK);
        _appliance.Services.GetRequiredService<AuditLog>().Search("user:tech-off", "admin-reset", "user.totp-reset", null, null, 10).Should().ContainSingle();
    }

    [Fact]
    public async Task RequireTotp_ApproverWithoutFactor_MayOnlyEnrol()
    {
        await using var strict = await TestAppliance.StartAsync(_time, null, "--RecoveryAssist:Auth:RequireTotp=true");
        strict.CreateUser("approver", "technician");
        strict.CreateUser("reader", "auditor");
        var client = strict.Anonymous();
        var signIn = await client.PostAsJsonAsync("/api/auth/signin", new { userName = "approver", password = TestAppliance.Password });
        signIn.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = await signIn.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("mustEnrolTotp").GetBoolean().Should().BeTrue();
        client.DefaultRequestHeaders.Add(SessionAuthenticationHandler.CsrfHeader, body.GetProperty("csrfToken").GetString());

        (await client.GetAsync("/api/hosts/")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await client.PostAsJsonAsync("/api/tokens", new { name = "sneak" })).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        var secret = await EnrolAndConfirmAsync(client, "approver");
        (await client.GetAsync("/api/hosts/")).StatusCode.Should().Be(HttpStatusCode.OK, "once enrolled, the role's permissions");

        var reader = await strict.SignInAsync("reader", TestAppliance.Password);
        (await reader.GetAsync("/api/hosts/")).StatusCode.Should().Be(HttpStatusCode.OK, "a role that neither approves nor reveals is not held back");
        secret.Should().NotBeEmpty();
    }

    [Fact]
    public async Task RotateKek_EnrolledSecret_StillOpensUnderTheNewKek()
    {
        var dataDirectory = TestDirectory.NewPath("ra-totp-rotate-");
        try
        {
            byte[] secret;
            await using (var first = await TestAppliance.StartAsync(_time, dataDirectory))
            {
                first.CreateUser("tech-rotate", "technician");
                secret = await EnrolAndConfirmAsync(await first.SignInAsync("tech-rotate", TestAppliance.Password), "tech-rotate");
            }

            RecoveryAssist.Server.Offline.OfflineAdmin.RotateKek(dataDirectory, null);

            await using var second = await TestAppliance.StartAsync(_time, dataDirectory);
            _time.Advance(TimeSpan.FromSeconds(30));
            (await second.Anonymous().PostAsJsonAsync("/api/auth/signin", new { userName = "tech-rotate", password = TestAppliance.Password, totpCode = Code(secret) }))
                .StatusCode.Should().Be(HttpStatusCode.OK, "the TOTP secret was re-wrapped with the keys");
        }
        finally
        {
            TestDirectory.Delete(dataDirectory);
        }
    }

    [Fact]
    public void Verify_NeighbourStepAndReplay()
    {
        var secret = TotpCodes.NewSecret();
        var now = new DateTimeOffset(2026, 12, 6, 10, 0, 5, TimeSpan.Zero);
        var totp = new Totp(secret);
        var step = now.ToUnixTimeSeconds() / 30;

        TotpCodes.Verify(secret, totp.ComputeTotp(now.UtcDateTime), now, 0).Should().Be(step);
        TotpCodes.Verify(secret, totp.ComputeTotp(now.UtcDateTime.AddSeconds(-30)), now, 0).Should().Be(step - 1, "one step of clock drift");
        TotpCodes.Verify(secret, totp.ComputeTotp(now.UtcDateTime.AddSeconds(-90)), now, 0).Should().BeNull();
        TotpCodes.Verify(secret, totp.ComputeTotp(now.UtcDateTime), now, step).Should().BeNull("used");
        TotpCodes.Verify(secret, "12a456", now, 0).Should().BeNull();
        new TotpEnrolment("SECRET", "otpauth://x").ToString().Should().NotContain("SECRET");
    }

    private async Task<byte[]> EnrolAndConfirmAsync(HttpClient client, string userName)
    {
        var enrol = await client.PostAsync("/api/auth/totp/enrol", null);
        enrol.StatusCode.Should().Be(HttpStatusCode.OK);
        var answer = await enrol.Content.ReadFromJsonAsync<JsonElement>();
        var secret = Base32Encoding.ToBytes(answer.GetProperty("secret").GetString());
        answer.GetProperty("uri").GetString().Should().StartWith("otpauth://totp/RecoveryAssist:" + userName).And.Contain("secret=" + answer.GetProperty("secret").GetString());
        _time.Advance(TimeSpan.FromSeconds(30));
        (await client.PostAsJsonAsync("/api/auth/totp/confirm", new { code = Code(secret) })).StatusCode.Should().Be(HttpStatusCode.NoContent);
        return secret;
    }

    private string Code(byte[] secret) => new Totp(secret).ComputeTotp(_time.GetUtcNow().UtcDateTime);

    private Task<HttpResponseMessage> SignInAsync(string userName, string password, string? totpCode) =>
        _appliance.Anonymous().PostAsJsonAsync("/api/auth/signin", new { userName, password, totpCode });

    private static async Task<string> Answer(HttpResponseMessage response)
    {
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        return $"{(int)response.StatusCode} {problem.GetProperty("title")} {problem.GetProperty("detail")}";
    }

    private static async Task<string?> Title(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString();
}
