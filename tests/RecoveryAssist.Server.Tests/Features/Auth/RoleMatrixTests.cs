using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using RecoveryAssist.Server.Features.Auth;
using RecoveryAssist.Server.Tests.Infrastructure;

namespace RecoveryAssist.Server.Tests.Features.Auth;

public sealed class RoleMatrixTests : IAsyncLifetime
{
    private const string Anyone = "anonymous admin technician operator automation auditor";
    private const string SignedIn = "admin technician operator automation auditor";

    /// <summary>
    /// The expected matrix, written out by hand: who may call what. Every endpoint the appliance
    /// maps must be listed here, so a new endpoint cannot ship without a decision about its roles.
    /// </summary>
    private static readonly Dictionary<string, string> Expected = new()
    {
        ["GET /healthz"] = Anyone,
        ["GET /openapi/{documentName}.json"] = Anyone,
        ["POST /api/auth/signin"] = Anyone,
        ["POST /api/auth/token"] = Anyone,
        ["POST /api/auth/signout"] = SignedIn,
        ["POST /api/auth/password"] = SignedIn,
        ["GET /api/auth/me"] = SignedIn,
        ["POST /api/auth/totp/enrol"] = SignedIn,
        ["POST /api/auth/totp/confirm"] = SignedIn,
        ["DELETE /api/auth/totp"] = SignedIn,
        ["GET /api/users/"] = "admin",
        ["POST /api/users/"] = "admin",
        ["POST /api/users/{userName}/lock"] = "admin",
        ["POST /api/users/{userName}/unlock"] = "admin",
        ["PUT /api/users/{userName}/role"] = "admin",
        ["POST /api/tokens"] = SignedIn,
        ["GET /api/users/{userName}/tokens"] = "admin",
        ["DELETE /api/tokens/{id:guid}"] = "admin",
        ["POST /api/users/{userName}/reset-password"] = "admin",
        ["POST /api/users/{userName}/totp/reset"] = "admin",
        ["GET /api/auth/tokens/"] = SignedIn,
        ["DELETE /api/auth/tokens/{id:guid}"] = SignedIn,
        ["GET /api/hosts/"] = SignedIn,
        ["GET /api/hosts/find"] = SignedIn,
        ["GET /api/hosts/{id:guid}"] = SignedIn,
        ["POST /api/hosts/"] = "admin technician automation",
        ["PUT /api/hosts/{id:guid}"] = "admin technician automation",
        ["GET /api/hosts/{id:guid}/keys"] = SignedIn,
        ["POST /api/hosts/{id:guid}/import"] = "admin automation",
        ["POST /api/import/bulk"] = "admin automation",
        ["POST /api/import/powercli"] = "admin automation",
        ["GET /api/reports/coverage"] = "admin automation auditor",
        ["GET /api/reports/export"] = "admin automation auditor",
        ["GET /api/audit/"] = "admin auditor",
        ["GET /api/audit/verify"] = "admin auditor",
        ["GET /api/hosts/{id:guid}/ssh"] = SignedIn,
        ["PUT /api/hosts/{id:guid}/ssh"] = "admin automation",
        ["POST /api/hosts/{id:guid}/ssh/repin"] = "admin",
        ["POST /api/hosts/{id:guid}/collect"] = "admin technician automation",
        ["POST /api/hosts/{id:guid}/rotate"] = "admin technician automation",
        ["POST /api/hosts/{id:guid}/post-recovery"] = "admin technician automation",
        ["POST /api/collect"] = "admin technician automation",
        ["GET /api/jobs/"] = SignedIn,
        ["GET /api/jobs/{id:guid}"] = SignedIn,
        ["POST /api/jobs/{id:guid}/cancel"] = "admin technician automation",
        ["POST /api/jobs/{id:guid}/retry"] = "admin technician automation",
        ["POST /api/jobs/{id:guid}/resume"] = "admin technician automation",
        ["GET /api/hosts/{id:guid}/policy/"] = SignedIn,
        ["POST /api/hosts/{id:guid}/policy/"] = "admin automation",
        ["POST /api/hosts/{id:guid}/policy/apply"] = "admin automation",
        ["PUT /api/hosts/{id:guid}/policy/desired"] = "admin automation",
        ["DELETE /api/hosts/{id:guid}/policy/desired"] = "admin automation",
        ["GET /api/policy/desired/"] = SignedIn,
        ["PUT /api/policy/desired/default"] = "admin automation",
        ["DELETE /api/policy/desired/default"] = "admin automation",
        ["PUT /api/policy/desired/tags/{tag}"] = "admin automation",
        ["DELETE /api/policy/desired/tags/{tag}"] = "admin automation",
        ["GET /api/reports/policy"] = "admin automation auditor",
        ["GET /api/alerts/"] = SignedIn,
        ["GET /api/alerts/{id:guid}"] = SignedIn,
        ["POST /api/alerts/{id:guid}/ack"] = "admin technician automation",
        ["POST /api/alerts/{id:guid}/resolve"] = "admin technician automation",
        ["GET /api/alert-channels/"] = "admin",
        ["GET /api/alert-channels/{id:guid}"] = "admin",
        ["POST /api/alert-channels/"] = "admin",
        ["PUT /api/alert-channels/{id:guid}"] = "admin",
        ["DELETE /api/alert-channels/{id:guid}"] = "admin",
        ["POST /api/alert-channels/{id:guid}/test"] = "admin",
        ["GET /boot/bootstrap.ipxe"] = Anyone,
        ["GET /boot/script.ipxe"] = Anyone,
        ["GET /boot/cfg/{token}/boot.cfg"] = Anyone,
        ["GET /boot/images/{id}/{**path}"] = Anyone,
        ["GET /api/boot/checkins"] = SignedIn,
        ["POST /api/boot/checkins/{mac}/bind"] = "admin technician automation",
        ["GET /api/boot/images"] = SignedIn,
        ["POST /api/boot/images"] = "admin automation",
        ["POST /api/boot/images/{id}/iso"] = "admin automation",
        ["GET /api/boot/sessions/{id:guid}/arm"] = SignedIn,
        ["POST /api/boot/sessions/{id:guid}/arm"] = "admin technician",
        ["DELETE /api/boot/sessions/{id:guid}/arm"] = "admin technician",
        ["GET /api/sessions/"] = SignedIn,
        ["POST /api/sessions/"] = "admin technician",
        ["GET /api/sessions/{id:guid}"] = SignedIn,
        ["POST /api/sessions/{id:guid}/approve"] = "admin technician",
        ["POST /api/sessions/{id:guid}/reveal"] = "technician operator",
        ["POST /api/sessions/{id:guid}/qr"] = "technician operator",
        ["POST /api/sessions/{id:guid}/check"] = "technician operator",
        ["POST /api/sessions/{id:guid}/host-up"] = "admin technician",
        ["POST /api/sessions/{id:guid}/close"] = "admin technician",
        ["POST /api/sessions/{id:guid}/cancel"] = "admin technician",
        ["GET /metrics"] = "admin automation auditor",
        ["POST /api/admin/backup"] = "admin",
        ["GET /assets/{version}/{name}"] = Anyone,
    };

    private TestAppliance _appliance = null!;

    public async Task InitializeAsync() => _appliance = await TestAppliance.StartAsync();

    public async Task DisposeAsync() => await _appliance.DisposeAsync();

    [Fact]
    public void Endpoints_AllMapped_AreInTheExpectedMatrix()
    {
        MappedEndpoints().Should().BeEquivalentTo(Expected.Keys);
    }

    [Theory]
    [InlineData("admin")]
    [InlineData("technician")]
    [InlineData("operator")]
    [InlineData("automation")]
    [InlineData("auditor")]
    [InlineData("anonymous")]
    public async Task EveryEndpoint_Role_AllowedOrDeniedAsExpected(string role)
    {
        var client = role == "anonymous" ? _appliance.Anonymous() : await _appliance.SignedInAsync(role);
        var mismatches = new List<string>();
        foreach (var (endpoint, allowedRoles) in Expected)
        {
            if (endpoint == "POST /api/auth/signout")
                continue; // would end this client's session; covered by its own test
            var status = await CallAsync(client, endpoint);
            var allowed = allowedRoles.Split(' ').Contains(role);
            var denied = status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden;
            if (allowed == denied)
                mismatches.Add($"{endpoint}: {(int)status}, expected {(allowed ? "allowed" : "denied")}");
        }
        mismatches.Should().BeEmpty();
    }

    [Fact]
    public async Task EveryEndpoint_TokenNarrowedToHostsRead_OnlyReadsHosts()
    {
        var client = _appliance.WithToken("automation", [Permission.HostsRead]);

        (await CallAsync(client, "GET /api/hosts/")).Should().Be(HttpStatusCode.OK);
        (await CallAsync(client, "POST /api/import/bulk")).Should().Be(HttpStatusCode.Forbidden);
        (await CallAsync(client, "GET /api/reports/coverage")).Should().Be(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Request_OneTimePasswordNotChanged_RefusedUntilChanged()
    {
        var users = _appliance.Services.GetRequiredService<UserService>();
        var (_, oneTime) = users.Create("fresh-admin", Role.Admin, null, RecoveryAssist.Server.Features.Escrow.Actor.System);
        var client = await _appliance.SignInAsync("fresh-admin", oneTime!);

        (await client.GetAsync("/api/hosts/")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await client.PostAsJsonAsync("/api/auth/password", new { currentPassword = oneTime, newPassword = "a much better password" })).StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await client.GetAsync("/api/hosts/")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Token_Revoked_IsRefused()
    {
        var admin = await _appliance.SignedInAsync("admin");
        var robot = await _appliance.SignedInAsync("automation", "robot");
        var created = await (await robot.PostAsJsonAsync("/api/tokens", new { name = "ci", scopes = new[] { "hosts:read" } })).Content.ReadFromJsonAsync<JsonElement>();
        var client = _appliance.Anonymous();
        client.DefaultRequestHeaders.Authorization = new("Bearer", created.GetProperty("token").GetString());
        (await client.GetAsync("/api/hosts/")).StatusCode.Should().Be(HttpStatusCode.OK);

        (await admin.DeleteAsync($"/api/tokens/{created.GetProperty("id").GetString()}")).StatusCode.Should().Be(HttpStatusCode.NoContent);

        (await client.GetAsync("/api/hosts/")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    /// <summary>The API's endpoints. The web console's pages (browsers go to sign-in, not a 401) have their own role matrix in RecoveryAssist.Web.Tests.</summary>
    private List<string> MappedEndpoints() =>
        _appliance.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Mvc.RazorPages.PageActionDescriptor>() is null)
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(m => $"{m} {Normalize(e.RoutePattern.RawText!)}"))
            .Distinct()
            .ToList();

    private static string Normalize(string pattern) => pattern.StartsWith('/') ? pattern : "/" + pattern;

    private static async Task<HttpStatusCode> CallAsync(HttpClient client, string endpoint)
    {
        var (method, pattern) = (endpoint.Split(' ')[0], endpoint.Split(' ')[1]);
        var path = pattern
            .Replace("{id:guid}", Guid.NewGuid().ToString(), StringComparison.Ordinal)
            .Replace("{userName}", "nobody", StringComparison.Ordinal)
            .Replace("{documentName}", "v1", StringComparison.Ordinal)
            .Replace("{token}", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", StringComparison.Ordinal)
            .Replace("{mac}", "00:50:56:00:00:01", StringComparison.Ordinal)
            .Replace("{tag}", "rack-7", StringComparison.Ordinal)
            .Replace("{id}", "esxi-8", StringComparison.Ordinal)
            .Replace("{**path}", "boot.cfg", StringComparison.Ordinal);
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method is "POST" or "PUT")
            request.Content = pattern.EndsWith("/powercli", StringComparison.Ordinal)
                ? new StringContent("", Encoding.UTF8, "text/csv")
                : new StringContent("{}", Encoding.UTF8, "application/json");
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }
}
