using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using RecoveryAssist.Server.Features.Audit;
using RecoveryAssist.Server.Features.Auth;
using RecoveryAssist.Server.Tests.Features.Recovery;

namespace RecoveryAssist.Server.Tests.Features.Auth;

/// <summary>Finding 4 of issue 13: one admin revealed a key alone through a token minted for another user.</summary>
public sealed class OnePersonBypassTests : IAsyncLifetime
{
    private RecoveryFixture _f = null!;

    public async Task InitializeAsync() => _f = await RecoveryFixture.StartAsync();

    public async Task DisposeAsync() => await _f.DisposeAsync();

    [Fact]
    public async Task MintToken_ForAnotherUser_NoSuchEndpoint()
    {
        var response = await _f.Admin.PostAsJsonAsync("/api/users/tech-two/tokens", new { name = "x", scopes = new[] { "keys:reveal" } });

        response.StatusCode.Should().BeOneOf(HttpStatusCode.NotFound, HttpStatusCode.MethodNotAllowed);
        _f.AllAudit().Should().NotContain(r => r.Action == "token.created" && r.Target == "user:tech-two");
    }

    [Fact]
    public void CreateToken_ActorIsAnotherUser_Refused()
    {
        var users = _f.Appliance.Services.GetRequiredService<UserService>();

        var act = () => users.CreateToken(users.Find("tech-two")!, "x", null, null, new RecoveryAssist.Server.Features.Escrow.Actor("admin-one", "127.0.0.1"));

        act.Should().Throw<RecoveryAssist.Server.Hosting.ProblemException>().Which.Code.Should().Be("token-for-other");
    }

    [Fact]
    public async Task CreateToken_WithKeysRevealScope_RefusedAndNeverGranted()
    {
        var asked = await _f.TechTwo.PostAsJsonAsync("/api/tokens", new { name = "reveal", scopes = new[] { "keys:reveal" } });
        var all = await (await _f.TechTwo.PostAsJsonAsync("/api/tokens", new { name = "all" })).Content.ReadFromJsonAsync<JsonElement>();

        asked.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await asked.Content.ReadAsStringAsync()).Should().Contain("keys:reveal is never a token scope");
        all.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()).Should().NotContain("keys:reveal").And.Contain("sessions:approve");
        _f.AllAudit().Should().Contain(r => r.Action == "token.created" && r.Actor == "tech-two" && r.Target == "user:tech-two");
    }

    [Fact]
    public async Task Reveal_ThroughApiToken_RefusedWhileTheSamePersonSignedInMay()
    {
        await _f.HostWithKeyAsync("token-reveal.lab");
        var id = await _f.OpenAsync(_f.TechOne, "token-reveal.lab");
        (await _f.TechTwo.PostAsync($"/api/sessions/{id}/approve", null)).StatusCode.Should().Be(HttpStatusCode.OK);
        var token = await (await _f.Operator.PostAsJsonAsync("/api/tokens", new { name = "script" })).Content.ReadFromJsonAsync<JsonElement>();
        using var viaToken = _f.Appliance.Anonymous();
        viaToken.DefaultRequestHeaders.Authorization = new("Bearer", token.GetProperty("token").GetString());

        var refused = await RecoveryFixture.PostAsync(viaToken, $"/api/sessions/{id}/reveal");
        var shown = await RecoveryFixture.PostAsync(_f.Operator, $"/api/sessions/{id}/reveal");

        refused.Status.Should().Be(HttpStatusCode.Forbidden);
        shown.Status.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Reveal_AdminApprovesAndCreatedTheRevealingAccount_Refused()
    {
        await _f.HostWithKeyAsync("alone.lab");
        var id = await _f.OpenAsync(_f.TechOne, "alone.lab");
        var created = await _f.Admin.PostAsJsonAsync("/api/users", new { userName = "tech-puppet", role = "technician", password = TestAppliance.Password });
        created.StatusCode.Should().Be(HttpStatusCode.Created);
        (await _f.Admin.PostAsync($"/api/sessions/{id}/approve", null)).StatusCode.Should().Be(HttpStatusCode.OK);
        using var puppet = await SignInAsync("tech-puppet");

        var reveal = await RecoveryFixture.PostAsync(puppet, $"/api/sessions/{id}/reveal");
        var check = await RecoveryFixture.PostAsync(puppet, $"/api/sessions/{id}/check", new { typed = "000000" });

        reveal.Status.Should().Be(HttpStatusCode.Forbidden, reveal.Body.ToString());
        reveal.Body.GetProperty("type").GetString().Should().EndWith("/separation-of-duties");
        check.Status.Should().Be(HttpStatusCode.Forbidden);
        _f.Audit(id).Should().Contain(r => r.Action == "session.reveal" && r.Outcome == "denied" && r.Actor == "tech-puppet");
        _f.AllAudit().Should().Contain(r => r.Action == "user.created" && r.Actor == "admin-one" && r.Target == "user:tech-puppet");
        (await RecoveryFixture.PostAsync(_f.Operator, $"/api/sessions/{id}/reveal")).Status.Should().Be(HttpStatusCode.OK, "an independent person may");
    }

    [Fact]
    public async Task Reveal_RequesterGaveTheRevealerItsRole_Refused()
    {
        await _f.HostWithKeyAsync("role.lab");
        _f.Appliance.CreateUser("was-auditor", "auditor");
        var id = await _f.OpenAsync(_f.Admin, "role.lab");
        (await _f.Admin.PutAsJsonAsync("/api/users/was-auditor/role", new { role = "operator" })).StatusCode.Should().Be(HttpStatusCode.OK);
        (await _f.TechTwo.PostAsync($"/api/sessions/{id}/approve", null)).StatusCode.Should().Be(HttpStatusCode.OK);
        using var promoted = await SignInAsync("was-auditor");

        var reveal = await RecoveryFixture.PostAsync(promoted, $"/api/sessions/{id}/reveal");

        reveal.Status.Should().Be(HttpStatusCode.Forbidden);
        reveal.Body.GetProperty("detail").GetString().Should().Contain("admin-one");
        _f.AllAudit().Should().Contain(r => r.Action == "user.role-changed" && r.Actor == "admin-one" && r.Detail!.Contains("Auditor -> Operator"));
    }

    [Fact]
    public async Task Reveal_AccountCreatedByApproverLongBeforeTheWindow_Allowed()
    {
        await _f.HostWithKeyAsync("old.lab");
        // Sign-in sessions end after AuthOptions.SessionMaxHours: everyone signs in again after the jump.
        (await _f.Admin.PostAsJsonAsync("/api/users", new { userName = "tech-old", role = "technician", password = TestAppliance.Password })).EnsureSuccessStatusCode();
        _f.Time.Advance(TimeSpan.FromHours(AuthOptions.DefaultSeparationWindowHours + 1));
        using var old = await SignInAsync("tech-old");
        using var techOne = await SignInAsync("tech-one");
        var id = await _f.OpenAsync(techOne, "old.lab");
        using var admin = await SignInAsync("admin-one");
        (await admin.PostAsync($"/api/sessions/{id}/approve", null)).StatusCode.Should().Be(HttpStatusCode.OK);

        (await RecoveryFixture.PostAsync(old, $"/api/sessions/{id}/reveal")).Status.Should().Be(HttpStatusCode.OK);
    }

    private Task<HttpClient> SignInAsync(string userName) => _f.Appliance.SignInAsync(userName, TestAppliance.Password);
}
