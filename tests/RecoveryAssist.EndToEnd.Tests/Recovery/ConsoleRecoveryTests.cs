using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using RecoveryAssist.Core.Keys;

namespace RecoveryAssist.EndToEnd.Tests.Recovery;

/// <summary>
/// The "done when", as a technician would do it against a running appliance: open a session,
/// have a second user approve it, fetch the QR code, and let zbarimg read back exactly
/// <c>" encryptionRecoveryKey=&lt;the escrowed key&gt;"</c>; then the audit log verifies.
/// </summary>
public sealed class ConsoleRecoveryTests : IAsyncLifetime
{
    private TestAppliance _appliance = null!;

    public async Task InitializeAsync()
    {
        _appliance = await TestAppliance.StartAsync();
        foreach (var (name, role) in new[] { ("admin-e2e", "Admin"), ("tech-a", "Technician"), ("tech-b", "Technician"), ("auditor-e2e", "Auditor") })
            _appliance.CreateUser(name, role);
    }

    public async Task DisposeAsync() => await _appliance.DisposeAsync();

    private Task<HttpClient> SignInAsync(string user) => _appliance.SignInAsync(user, TestAppliance.Password);

    [ZbarFact]
    public async Task Recovery_ConsolePathWithSecondApprover_ZbarimgReadsExactlyTheTextToType()
    {
        var zbarimg = ZbarRequirement.EnsureAvailable();
        using var admin = await SignInAsync("admin-e2e");
        using var techA = await SignInAsync("tech-a");
        using var techB = await SignInAsync("tech-b");
        using var auditor = await SignInAsync("auditor-e2e");
        var created = await admin.PostAsJsonAsync("/api/hosts", new { name = "esx-e2e.lab", serial = "E2E-1" });
        var hostId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        var (_, key, output) = EsxcliOutput.NewHostKey();
        (await admin.PostAsJsonAsync($"/api/hosts/{hostId}/import", new { output })).EnsureSuccessStatusCode();

        var opened = await techA.PostAsJsonAsync("/api/sessions", new { host = "esx-e2e.lab", reason = "motherboard-replaced", ticket = "CHG-1001" });
        var id = (await opened.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        (await techB.PostAsync($"/api/sessions/{id}/approve", null)).EnsureSuccessStatusCode();
        using var qr = await techA.PostAsJsonAsync($"/api/sessions/{id}/qr", new { format = "png" });
        qr.EnsureSuccessStatusCode();
        var png = Path.Combine(_appliance.DataDirectory, "qr.png");
        await File.WriteAllBytesAsync(png, await qr.Content.ReadAsByteArrayAsync());

        var decoded = await RunAsync(zbarimg, "--raw", "-q", png);

        // zbarimg --raw ends each symbol with a newline of its own.
        decoded.Should().EndWith("\n");
        Encoding.Latin1.GetBytes(decoded[..^1]).Should().Equal(Encoding.ASCII.GetBytes(" encryptionRecoveryKey=" + key.Reveal()));
        var audit = await auditor.GetFromJsonAsync<JsonElement>($"/api/audit/?target=session:{id}");
        audit.EnumerateArray().Select(r => r.GetProperty("action").GetString()).Should().Equal("session.opened", "session.approved", "session.revealed");
        var verify = await auditor.GetFromJsonAsync<JsonElement>("/api/audit/verify");
        verify.GetProperty("intact").GetBoolean().Should().BeTrue();
    }

    private static async Task<string> RunAsync(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, StandardOutputEncoding = Encoding.Latin1 };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        process.ExitCode.Should().Be(0, await stderr);
        return await stdout;
    }
}
