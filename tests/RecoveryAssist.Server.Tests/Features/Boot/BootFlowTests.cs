using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using RecoveryAssist.Server.Features.Audit;
using RecoveryAssist.Server.Features.Boot;
using RecoveryAssist.Server.Tests.Features.Recovery;

namespace RecoveryAssist.Server.Tests.Features.Boot;

/// <summary>The boot flow over real HTTP: check-ins, local boots, arming, the one-time boot.cfg.</summary>
public sealed partial class BootFlowTests : IAsyncLifetime
{
    private const string Installer = """
        bootstate=0
        title=Loading ESXi installer
        timeout=5
        prefix=
        kernel=/b.b00
        kernelopt=runweasel cdromBoot
        modules=/jumpstrt.gz --- /useropts.gz --- /features.gz
        build=8.0.2-0.0.22380479
        updated=0
        """;

    private RecoveryFixture _f = null!;
    private string _imageDirectory = null!;

    public async Task InitializeAsync()
    {
        _imageDirectory = Path.Combine(Path.GetTempPath(), "ra-image-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(_imageDirectory, "EFI", "BOOT"));
        await File.WriteAllTextAsync(Path.Combine(_imageDirectory, "BOOT.CFG"), Installer.Replace("\r\n", "\n") + "\n");
        await File.WriteAllTextAsync(Path.Combine(_imageDirectory, "MBOOT.C32"), "bios loader");
        await File.WriteAllTextAsync(Path.Combine(_imageDirectory, "EFI", "BOOT", "BOOTX64.EFI"), "efi loader");
        await File.WriteAllTextAsync(Path.Combine(_imageDirectory, "B.B00"), "kernel");
        _f = await RecoveryFixture.StartAsync("--RecoveryAssist:Boot:PublicBaseUrl=http://10.0.0.5:8080");
    }

    public async Task DisposeAsync()
    {
        await _f.DisposeAsync();
        Directory.Delete(_imageDirectory, recursive: true);
    }

    private static string Query(string mac, string platform = "efi", string uuid = "", string serial = "") =>
        $"/boot/script.ipxe?mac={mac}&uuid={uuid}&serial={Uri.EscapeDataString(serial)}&platform={platform}&arch=x86_64";

    private async Task<string> ScriptAsync(string mac, string platform = "efi", string uuid = "", string serial = "")
    {
        using var response = await _f.Appliance.Provisioning().GetAsync(Query(mac, platform, uuid, serial));
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Headers.CacheControl!.NoStore.Should().BeTrue();
        return await response.Content.ReadAsStringAsync();
    }

    private async Task RegisterImageAsync()
    {
        var (status, body) = await RecoveryFixture.PostAsync(_f.Admin, "/api/boot/images", new { id = "esxi-8.0u2", directory = _imageDirectory });
        status.Should().Be(HttpStatusCode.Created, body.ToString());
    }

    private async Task<(string SessionId, RecoveryAssist.Core.Keys.RecoveryKey Key)> ArmedAsync(string host, string mac)
    {
        var (hostId, key, _) = await _f.HostWithKeyAsync(host, kernelOpt: "autoPartition=FALSE");
        var view = await _f.Admin.GetFromJsonAsync<JsonElement>($"/api/hosts/{hostId}");
        (await _f.Admin.PutAsJsonAsync($"/api/hosts/{hostId}", new { name = host, kernelOpt = "autoPartition=FALSE", macAddresses = new[] { mac } })).EnsureSuccessStatusCode();
        await RegisterImageAsync();
        var id = await _f.OpenAsync(_f.TechOne, host, path: "network");
        (await _f.TechTwo.PostAsync($"/api/sessions/{id}/approve", null)).StatusCode.Should().Be(HttpStatusCode.OK);
        var (status, body) = await RecoveryFixture.PostAsync(_f.TechOne, $"/api/boot/sessions/{id}/arm", new { });
        status.Should().Be(HttpStatusCode.OK, body.ToString());
        body.GetProperty("status").GetString().Should().Be("active");
        _ = view;
        return (id, key);
    }

    [Fact]
    public async Task Script_UnknownMachine_ChecksInAndExits()
    {
        var script = await ScriptAsync("52-54-00-aa-00-01", uuid: "4c4c4544-0042-3510-8052-b4c04f4e4232", serial: "SN 001");

        script.Should().Be("#!ipxe\n# RecoveryAssist: unknown-machine-checked-in\necho RecoveryAssist: unknown-machine-checked-in, booting from local disk\nexit\n");
        var checkIns = await _f.TechOne.GetFromJsonAsync<JsonElement>("/api/boot/checkins");
        var checkIn = checkIns.EnumerateArray().Single(c => c.GetProperty("mac").GetString() == "52:54:00:aa:00:01");
        checkIn.GetProperty("smbiosUuid").GetString().Should().Be("4c4c4544-0042-3510-8052-b4c04f4e4232");
        checkIn.GetProperty("serial").GetString().Should().Be("SN 001");
        checkIn.GetProperty("clientAddress").GetString().Should().Be("127.0.0.1");
        checkIn.GetProperty("platform").GetString().Should().Be("efi");
        _f.AllAudit().Should().ContainSingle(a => a.Action == "boot.checked-in" && a.Target == "checkin:52:54:00:aa:00:01" && a.ClientAddress == "127.0.0.1");
    }

    [Fact]
    public async Task Script_KnownHostNotArmed_SanbootsOnBiosAndRecordsNoCheckIn()
    {
        var (hostId, _, _) = await _f.HostWithKeyAsync("known.lab");
        (await _f.Admin.PutAsJsonAsync($"/api/hosts/{hostId}", new { name = "known.lab", macAddresses = new[] { "52:54:00:aa:00:02" } })).EnsureSuccessStatusCode();
        _f.Appliance.Services.GetRequiredService<HostDirectory>().Invalidate();

        var script = await ScriptAsync("52-54-00-aa-00-02", platform: "pcbios");

        script.Should().Be("#!ipxe\n# RecoveryAssist: no-armed-recovery-for-this-host\necho RecoveryAssist: no-armed-recovery-for-this-host, booting from local disk\nsanboot --no-describe --drive 0x80\n");
        (await _f.TechOne.GetFromJsonAsync<JsonElement>("/api/boot/checkins")).GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task Script_MalformedQuery_HarmlessLocalBootAndNoCheckIn()
    {
        var script = await ScriptAsync("52-54-00-aa-00", platform: "efi");

        script.Should().Be("#!ipxe\n# RecoveryAssist: request-not-understood\necho RecoveryAssist: request-not-understood, booting from local disk\nexit\n");
        (await _f.TechOne.GetFromJsonAsync<JsonElement>("/api/boot/checkins")).GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task Armed_MenuThenBootCfgOnce_KeyServedOnceThen410AndAuditAlert()
    {
        var (sessionId, key) = await ArmedAsync("armed.lab", "52:54:00:aa:00:03");

        var menu = await ScriptAsync("52-54-00-aa-00-03");
        menu.Should().Contain("menu RecoveryAssist recovery of host armed.lab (session " + sessionId + ")")
            .And.Contain("choose --default local --timeout 30000 target || goto local")
            .And.Contain("kernel http://10.0.0.5:8080/boot/images/esxi-8.0u2/EFI/BOOT/BOOTX64.EFI -c http://10.0.0.5:8080/boot/cfg/")
            .And.NotContain(key.Reveal());
        var token = TokenPattern().Match(menu).Groups[1].Value;
        var client = _f.Appliance.Provisioning();

        using var first = await client.GetAsync($"/boot/cfg/{token}/boot.cfg");
        var bootCfg = await first.Content.ReadAsStringAsync();
        using var second = await client.GetAsync($"/boot/cfg/{token}/boot.cfg");
        var afterwards = await ScriptAsync("52-54-00-aa-00-03");

        first.StatusCode.Should().Be(HttpStatusCode.OK);
        bootCfg.Should().Be($"""
            bootstate=0
            title=Loading ESXi installer
            timeout=5
            prefix=http://10.0.0.5:8080/boot/images/esxi-8.0u2
            kernel=b.b00
            kernelopt=autoPartition=FALSE encryptionRecoveryKey={key.Reveal()}
            modules=jumpstrt.gz --- useropts.gz --- features.gz
            build=8.0.2-0.0.22380479
            updated=0

            """.Replace("\r\n", "\n"));
        second.StatusCode.Should().Be(HttpStatusCode.Gone);
        (await second.Content.ReadAsStringAsync()).Should().NotContain(key.Reveal());
        afterwards.Should().Be("#!ipxe\n# RecoveryAssist: no-armed-recovery-for-this-host\necho RecoveryAssist: no-armed-recovery-for-this-host, booting from local disk\nexit\n");
        var audit = _f.Audit(sessionId);
        audit.Select(a => a.Action).Should().ContainInOrder("session.armed", "boot.armed", "boot.menu-served", "boot.cfg-served", "session.revealed", "boot.cfg-replayed");
        audit.Single(a => a.Action == "boot.cfg-replayed").Detail.Should().StartWith("ALERT: This one-time boot.cfg was already served (at ");
        audit.Where(a => a.Action.StartsWith("boot.cfg", StringComparison.Ordinal)).Should().OnlyContain(a => a.ClientAddress == "127.0.0.1");
        _f.AllAudit().Should().NotContain(a => (a.Detail ?? "").Contains(token, StringComparison.Ordinal) || (a.Detail ?? "").Contains(key.Reveal(), StringComparison.Ordinal));
        _f.VerifyAudit().Should().BeNull();
    }

    [Fact]
    public async Task Armed_TokenExpired_410AndNoKey()
    {
        var (sessionId, key) = await ArmedAsync("late.lab", "52:54:00:aa:00:04");
        var token = TokenPattern().Match(await ScriptAsync("52-54-00-aa-00-04")).Groups[1].Value;
        _f.Time.Advance(TimeSpan.FromMinutes(31));

        using var response = await _f.Appliance.Provisioning().GetAsync($"/boot/cfg/{token}/boot.cfg");

        response.StatusCode.Should().Be(HttpStatusCode.Gone);
        (await response.Content.ReadAsStringAsync()).Should().NotContain(key.Reveal());
        _f.Audit(sessionId).Should().Contain(a => a.Action == "boot.cfg-expired" && a.Outcome == AuditEntry.Denied);
    }

    [Fact]
    public async Task Armed_NewerMenu_SupersedesEarlierUrl()
    {
        await ArmedAsync("twice.lab", "52:54:00:aa:00:05");
        var firstToken = TokenPattern().Match(await ScriptAsync("52-54-00-aa-00-05")).Groups[1].Value;
        var secondToken = TokenPattern().Match(await ScriptAsync("52-54-00-aa-00-05")).Groups[1].Value;
        var client = _f.Appliance.Provisioning();

        (await client.GetAsync($"/boot/cfg/{firstToken}/boot.cfg")).StatusCode.Should().Be(HttpStatusCode.Gone);
        (await client.GetAsync($"/boot/cfg/{secondToken}/boot.cfg")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Disarm_BeforeTheFetch_UrlAnswers410AndMenuGone_AfterServed_409()
    {
        var (sessionId, key) = await ArmedAsync("disarm.lab", "52:54:00:aa:00:06");
        var token = TokenPattern().Match(await ScriptAsync("52-54-00-aa-00-06")).Groups[1].Value;

        using var disarm = await _f.TechOne.DeleteAsync($"/api/boot/sessions/{sessionId}/arm");
        using var fetch = await _f.Appliance.Provisioning().GetAsync($"/boot/cfg/{token}/boot.cfg");
        var script = await ScriptAsync("52-54-00-aa-00-06");

        disarm.StatusCode.Should().Be(HttpStatusCode.OK, await disarm.Content.ReadAsStringAsync());
        (await disarm.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString().Should().Be("withdrawn");
        fetch.StatusCode.Should().Be(HttpStatusCode.Gone);
        (await fetch.Content.ReadAsStringAsync()).Should().NotContain(key.Reveal());
        script.Should().NotContain("/boot/cfg/").And.Contain("no-armed-recovery-for-this-host");
        var withdrawn = _f.Audit(sessionId).Single(a => a.Action == "boot.withdrawn");
        withdrawn.Actor.Should().NotBe("pxe", "the person who disarmed is named");
        withdrawn.Detail.Should().Contain("disarmed by");

        var (servedSession, _) = await ArmedAsync("served.lab", "52:54:00:aa:00:07");
        var servedToken = TokenPattern().Match(await ScriptAsync("52-54-00-aa-00-07")).Groups[1].Value;
        (await _f.Appliance.Provisioning().GetAsync($"/boot/cfg/{servedToken}/boot.cfg")).StatusCode.Should().Be(HttpStatusCode.OK);
        using var late = await _f.TechOne.DeleteAsync($"/api/boot/sessions/{servedSession}/arm");
        late.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await late.Content.ReadAsStringAsync()).Should().Contain("already served");
    }

    [Fact]
    public async Task SessionCancelledAfterTheMenu_BootCfgAnswers410_NothingRecordedAsServed()
    {
        var (sessionId, key) = await ArmedAsync("cancelled.lab", "52:54:00:aa:00:08");
        var token = TokenPattern().Match(await ScriptAsync("52-54-00-aa-00-08")).Groups[1].Value;
        (await _f.TechOne.PostAsJsonAsync($"/api/sessions/{sessionId}/cancel", new { reason = "wrong host" })).EnsureSuccessStatusCode();

        using var fetch = await _f.Appliance.Provisioning().GetAsync($"/boot/cfg/{token}/boot.cfg");

        fetch.StatusCode.Should().Be(HttpStatusCode.Gone);
        (await fetch.Content.ReadAsStringAsync()).Should().NotContain(key.Reveal());
        _f.Audit(sessionId).Select(a => a.Action).Should().Contain("boot.cfg-withdrawn").And.NotContain("boot.cfg-served");
    }

    [Fact]
    public async Task BootCfg_UnknownToken_404Audited()
    {
        using var response = await _f.Appliance.Provisioning().GetAsync("/boot/cfg/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/boot.cfg");

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        _f.AllAudit().Should().Contain(a => a.Action == "boot.cfg-unknown" && a.Outcome == AuditEntry.Denied && a.ClientAddress == "127.0.0.1");
    }

    [Fact]
    public async Task Arm_ConsoleSession_RefusedByTheSession()
    {
        await _f.HostWithKeyAsync("console.lab");
        await RegisterImageAsync();
        var id = await _f.ApprovedAsync("console.lab");

        var (status, body) = await RecoveryFixture.PostAsync(_f.TechOne, $"/api/boot/sessions/{id}/arm", new { mac = "52:54:00:aa:00:06" });

        status.Should().Be(HttpStatusCode.Conflict);
        body.GetProperty("type").GetString().Should().EndWith("/wrong-path");
    }

    [Fact]
    public async Task Bind_CheckInAfterBoardSwap_HostKnownAtOnce()
    {
        var (hostId, _, _) = await _f.HostWithKeyAsync("swapped.lab");
        await ScriptAsync("52-54-00-aa-00-07", uuid: "11111111-2222-3333-4444-555555555555", serial: "NEWBOARD");

        var (status, body) = await RecoveryFixture.PostAsync(_f.TechOne, "/api/boot/checkins/52:54:00:aa:00:07/bind", new { host = "swapped.lab" });
        var script = await ScriptAsync("52-54-00-aa-00-07", uuid: "11111111-2222-3333-4444-555555555555", serial: "NEWBOARD");

        status.Should().Be(HttpStatusCode.OK, body.ToString());
        body.GetProperty("smbiosUuid").GetString().Should().Be("11111111-2222-3333-4444-555555555555");
        body.GetProperty("serial").GetString().Should().Be("NEWBOARD");
        body.GetProperty("macAddresses").EnumerateArray().Select(m => m.GetString()).Should().Contain("52:54:00:aa:00:07");
        script.Should().Contain("no-armed-recovery-for-this-host");
        _f.AllAudit().Should().Contain(a => a.Action == "host.identity-bound" && a.Actor == "tech-one");
        _ = hostId;
    }

    [Fact]
    public async Task Images_Registered_ServedCaseInsensitivelyOverHttpAndTftpMap()
    {
        await RegisterImageAsync();

        var client = _f.Appliance.Provisioning();
        (await client.GetStringAsync("/boot/images/esxi-8.0u2/b.b00")).Should().Be("kernel");
        (await client.GetAsync("/boot/images/esxi-8.0u2/%2e%2e%2fBOOT.CFG")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await client.GetAsync("/boot/images/esxi-8.0u2/missing")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        var tftp = _f.Appliance.Services.GetRequiredService<BootTftpHost>();
        using var file = await tftp.Files.OpenAsync(new RecoveryAssist.Tftp.Files.TftpFileRequest("images/esxi-8.0u2/b.b00", new IPEndPoint(IPAddress.Loopback, 1), true), default);
        file.Should().NotBeNull();
        using var bootstrap = await tftp.Files.OpenAsync(new RecoveryAssist.Tftp.Files.TftpFileRequest("bootstrap.ipxe", new IPEndPoint(IPAddress.Loopback, 1), false), default);
        bootstrap!.Length.Should().BeGreaterThan(100);
    }

    [Fact]
    public async Task Images_NoBootCfg_RefusedWithReason()
    {
        var empty = Directory.CreateTempSubdirectory("ra-empty-").FullName;

        var (status, body) = await RecoveryFixture.PostAsync(_f.Admin, "/api/boot/images", new { id = "empty", directory = empty });

        status.Should().Be(HttpStatusCode.BadRequest);
        body.GetProperty("detail").GetString().Should().Be("directory: holds no boot.cfg at the top (is it an extracted ESXi installer?).");
    }

    [GeneratedRegex(@"/boot/cfg/([A-Za-z0-9_-]{43})/boot\.cfg")]
    private static partial Regex TokenPattern();
}
