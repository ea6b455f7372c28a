using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using RecoveryAssist.Core.Keys;
using RecoveryAssist.Server.Features.Audit;
using RecoveryAssist.Server.Tests.Infrastructure;

namespace RecoveryAssist.Server.Tests.Features.Recovery;

/// <summary>An appliance on a fake clock with an admin, two technicians, an operator and an auditor.</summary>
internal sealed class RecoveryFixture : IAsyncDisposable
{
    private RecoveryFixture(TestAppliance appliance, FakeTimeProvider time)
    {
        Appliance = appliance;
        Time = time;
    }

    public TestAppliance Appliance { get; }

    public FakeTimeProvider Time { get; }

    public HttpClient Admin { get; private set; } = null!;

    public HttpClient TechOne { get; private set; } = null!;

    public HttpClient TechTwo { get; private set; } = null!;

    public HttpClient Operator { get; private set; } = null!;

    public HttpClient Auditor { get; private set; } = null!;

    public static async Task<RecoveryFixture> StartAsync(params string[] settings)
    {
        // Real "now" as the start: sign-in cookies carry an expiry the HTTP client checks against the real clock.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var appliance = await TestAppliance.StartAsync(time, null, settings);
        var fixture = new RecoveryFixture(appliance, time)
        {
            Admin = await appliance.SignedInAsync("admin", "admin-one"),
            TechOne = await appliance.SignedInAsync("technician", "tech-one"),
            TechTwo = await appliance.SignedInAsync("technician", "tech-two"),
            Operator = await appliance.SignedInAsync("operator", "op-one"),
            Auditor = await appliance.SignedInAsync("auditor", "auditor-one"),
        };
        return fixture;
    }

    public async Task<(string HostId, RecoveryKey Key, RecoveryId RecoveryId)> HostWithKeyAsync(string name, string? kernelOpt = null, string? serial = null)
    {
        var created = await Admin.PostAsJsonAsync("/api/hosts", new { name, kernelOpt, serial, managementAddress = "192.0.2.10" });
        created.StatusCode.Should().Be(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var hostId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var (recoveryId, key, output) = EsxcliOutput.NewHostKey();
        (await Admin.PostAsJsonAsync($"/api/hosts/{hostId}/import", new { output })).EnsureSuccessStatusCode();
        return (hostId, key, recoveryId);
    }

    public async Task<string> OpenAsync(HttpClient client, string host, string reason = "motherboard-replaced", string path = "console")
    {
        var response = await client.PostAsJsonAsync("/api/sessions", new { host, reason, ticket = "INC-42", path });
        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    public async Task<string> ApprovedAsync(string host)
    {
        var id = await OpenAsync(TechOne, host);
        (await TechTwo.PostAsync($"/api/sessions/{id}/approve", null)).StatusCode.Should().Be(HttpStatusCode.OK);
        return id;
    }

    public static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(HttpClient client, string path, object? body = null)
    {
        using var response = await client.PostAsJsonAsync(path, body ?? new { });
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public IReadOnlyList<AuditRecord> Audit(string sessionId) =>
        Appliance.Services.GetRequiredService<AuditLog>().Read(0, 10_000, "session:" + sessionId);

    public IReadOnlyList<AuditRecord> AllAudit() => Appliance.Services.GetRequiredService<AuditLog>().Read(0, 10_000);

    public string? VerifyAudit() => Appliance.Services.GetRequiredService<AuditLog>().Verify();

    public async ValueTask DisposeAsync() => await Appliance.DisposeAsync();
}
