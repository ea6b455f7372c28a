using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using RecoveryAssist.Server.Features.Audit;
using RecoveryAssist.Server.Features.Boot;
using RecoveryAssist.Server.Tests.Features.Recovery;

namespace RecoveryAssist.Server.Tests.Features.Boot;

/// <summary>Issue 13: arming binds strongly, the menu belongs to its first client, files stay in their image.</summary>
public sealed partial class BootFlowTests
{
    private static readonly IPAddress SecondClient = IPAddress.Parse("127.0.0.2");

    private async Task<string> ArmedWithIdentityAsync(string host, string mac, string uuid, string serial)
    {
        var (hostId, _, _) = await _f.HostWithKeyAsync(host, kernelOpt: "autoPartition=FALSE");
        (await _f.Admin.PutAsJsonAsync($"/api/hosts/{hostId}", new { name = host, kernelOpt = "autoPartition=FALSE", macAddresses = new[] { mac }, smbiosUuid = uuid, serial })).EnsureSuccessStatusCode();
        await RegisterImageAsync();
        var id = await _f.OpenAsync(_f.TechOne, host, path: "network");
        (await _f.TechTwo.PostAsync($"/api/sessions/{id}/approve", null)).StatusCode.Should().Be(HttpStatusCode.OK);
        var (status, body) = await RecoveryFixture.PostAsync(_f.TechOne, $"/api/boot/sessions/{id}/arm", new { });
        status.Should().Be(HttpStatusCode.OK, body.ToString());
        return id;
    }

    [Fact]
    public async Task Menu_AskedFromSecondAddress_RefusedWithAlert_RealUrlStillServedAndNoAddressNamed()
    {
        var (sessionId, key) = await ArmedAsync("two-get.lab", "52:54:00:aa:10:01");
        var realScript = await ScriptAsync("52-54-00-aa-10-01");
        var realToken = TokenPattern().Match(realScript).Groups[1].Value;
        var attacker = _f.Appliance.ProvisioningFrom(SecondClient);

        // The finding: the attacker asks the menu with the host's MAC from its own address, then the boot.cfg.
        var attackerScript = await attacker.GetStringAsync(Query("52-54-00-aa-10-01"));
        using var stolen = await attacker.GetAsync($"/boot/cfg/{realToken}/boot.cfg");

        attackerScript.Should().NotContain("/boot/cfg/").And.NotContain("127.0.0.1");
        stolen.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await stolen.Content.ReadAsStringAsync()).Should().NotContain("127.0.0.1").And.NotContain(key.Reveal());
        _f.Audit(sessionId).Should().ContainSingle(a => a.Action == "boot.menu-refused" && a.ClientAddress == "127.0.0.2" && a.Detail!.StartsWith("ALERT:", StringComparison.Ordinal));
        using var real = await _f.Appliance.Provisioning().GetAsync($"/boot/cfg/{realToken}/boot.cfg");
        real.StatusCode.Should().Be(HttpStatusCode.OK, "the refusal did not burn the real host's URL");
        (await real.Content.ReadAsStringAsync()).Should().Contain(key.Reveal());
    }

    [Fact]
    public async Task Menu_OtherMacNoUuidSameSerial_NotTheArmedMachine()
    {
        await ArmedWithIdentityAsync("serial-only.lab", "52:54:00:aa:10:02", "4c4c4544-0042-3510-8052-b4c04f4e1002", "CHASSIS-1002");

        // A VM with another MAC and no UUID, but the serial printed on the host's chassis.
        var script = await ScriptAsync("52-54-00-bb-10-02", serial: "CHASSIS-1002");

        script.Should().NotContain("/boot/cfg/");
    }

    [Theory]
    [InlineData("52-54-00-aa-10-03", "", "CHASSIS-1003", true)]
    [InlineData("52-54-00-aa-10-03", "4c4c4544-0042-3510-8052-b4c04f4e1003", "", true)]
    [InlineData("52-54-00-aa-10-03", "", "", false)]
    [InlineData("52-54-00-aa-10-03", "4c4c4544-0042-3510-8052-b4c04f4e9999", "CHASSIS-1003", false)]
    [InlineData("52-54-00-bb-10-03", "4c4c4544-0042-3510-8052-b4c04f4e1003", "CHASSIS-1003", false)]
    public async Task Menu_IdentityAgreement_MenuOnlyWithTwoAgreeingAndNoneDisagreeing(string mac, string uuid, string serial, bool menu)
    {
        await ArmedWithIdentityAsync("agree.lab", "52:54:00:aa:10:03", "4c4c4544-0042-3510-8052-b4c04f4e1003", "CHASSIS-1003");

        var script = await ScriptAsync(mac, uuid: uuid, serial: serial);

        script.Contains("/boot/cfg/", StringComparison.Ordinal).Should().Be(menu, script);
    }

    [Fact]
    public async Task Arm_SerialOnly_409()
    {
        await _f.HostWithKeyAsync("serial-arm.lab");
        await RegisterImageAsync();
        var id = await _f.OpenAsync(_f.TechOne, "serial-arm.lab", path: "network");
        (await _f.TechTwo.PostAsync($"/api/sessions/{id}/approve", null)).StatusCode.Should().Be(HttpStatusCode.OK);

        var (status, body) = await RecoveryFixture.PostAsync(_f.TechOne, $"/api/boot/sessions/{id}/arm", new { serial = "CHASSIS-1004" });

        status.Should().Be(HttpStatusCode.Conflict);
        body.GetProperty("detail").GetString().Should().Contain("serial number alone");
    }

    [Fact]
    public async Task Arm_ImageBootsBiosOnlyThroughCom32_409AndBiosMenuNotOffered()
    {
        var biosOnly = Directory.CreateTempSubdirectory("ra-bios-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(biosOnly, "BOOT.CFG"), Installer.Replace("\r\n", "\n") + "\n");
            await File.WriteAllTextAsync(Path.Combine(biosOnly, "MBOOT.C32"), "bios loader");
            (await RecoveryFixture.PostAsync(_f.Admin, "/api/boot/images", new { id = "bios-only", directory = biosOnly })).Status.Should().Be(HttpStatusCode.Created);
            var (hostId, _, _) = await _f.HostWithKeyAsync("bios.lab");
            (await _f.Admin.PutAsJsonAsync($"/api/hosts/{hostId}", new { name = "bios.lab", macAddresses = new[] { "52:54:00:aa:10:05" } })).EnsureSuccessStatusCode();
            var id = await _f.OpenAsync(_f.TechOne, "bios.lab", path: "network");
            (await _f.TechTwo.PostAsync($"/api/sessions/{id}/approve", null)).StatusCode.Should().Be(HttpStatusCode.OK);

            var (status, body) = await RecoveryFixture.PostAsync(_f.TechOne, $"/api/boot/sessions/{id}/arm", new { image = "bios-only" });

            status.Should().Be(HttpStatusCode.Conflict);
            body.GetProperty("detail").GetString().Should().Contain("mboot.c32").And.Contain("COM32");
        }
        finally
        {
            Directory.Delete(biosOnly, recursive: true);
        }
    }

    [Fact]
    public async Task Menu_BiosMachineAndCom32Loader_LocalBootSaysUefiNeeded()
    {
        await ArmedAsync("bios-menu.lab", "52:54:00:aa:10:06");

        var script = await ScriptAsync("52-54-00-aa-10-06", platform: "pcbios");

        script.Should().NotContain("/boot/cfg/").And.Contain(LocalBootStatus.BiosNotSupported);
    }

    [Fact]
    public async Task ImageFile_SwappedForSymlinkToKek_RefusedOverHttpAndTftp()
    {
        await RegisterImageAsync();
        var file = Path.Combine(_imageDirectory, "B.B00");
        File.Delete(file);
        File.CreateSymbolicLink(file, Path.Combine(_f.Appliance.DataDirectory, "kek.key"));

        using var http = await _f.Appliance.Provisioning().GetAsync("/boot/images/esxi-8.0u2/b.b00");
        var tftp = _f.Appliance.Services.GetRequiredService<BootTftpHost>();
        using var opened = await tftp.Files.OpenAsync(new RecoveryAssist.Tftp.Files.TftpFileRequest("images/esxi-8.0u2/b.b00", new IPEndPoint(IPAddress.Loopback, 1), true), default);

        http.StatusCode.Should().Be(HttpStatusCode.NotFound);
        opened.Should().BeNull();
        (await _f.Appliance.Provisioning().GetStringAsync("/boot/images/esxi-8.0u2/boot.cfg")).Should().Contain("kernel=/b.b00", "files that stay in the image are still served");
    }

    [Fact]
    public async Task ImageDirectory_SwappedForSymlinkToDataDirectory_Refused()
    {
        await RegisterImageAsync();
        File.Copy(Path.Combine(_f.Appliance.DataDirectory, "kek.key"), Path.Combine(_imageDirectory, "kek-copy"));
        var efi = Path.Combine(_imageDirectory, "EFI");
        Directory.Delete(efi, recursive: true);
        Directory.CreateSymbolicLink(efi, Path.Combine(_f.Appliance.DataDirectory));

        using var http = await _f.Appliance.Provisioning().GetAsync("/boot/images/esxi-8.0u2/efi/boot/bootx64.efi");

        http.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }
}

/// <summary>Issue 13, finding 5: anonymous traffic on /boot adds a bounded number of records.</summary>
public sealed class AnonymousFloodTests
{
    [Fact]
    public async Task Flood_TenThousandRandomTokensAndMacs_AuditAndCheckInsStayBounded()
    {
        const int Requests = 10_000;
        const int MaxCheckIns = 100;
        const int PerWindow = 5;
        await using var appliance = await TestAppliance.StartAsync(dataDirectory: null,
            "--RecoveryAssist:Boot:RequestsPerMinute=1000000",
            $"--RecoveryAssist:Boot:MaxCheckIns={MaxCheckIns}",
            $"--RecoveryAssist:Boot:AuditsPerSourceWindow={PerWindow}");
        var audit = appliance.Services.GetRequiredService<AuditLog>();
        var auditBefore = audit.Read(0, 100_000).Count;
        var client = appliance.Provisioning();
        var random = new Random(13);
        var paths = Enumerable.Range(0, Requests).Select(i =>
        {
            var bytes = new byte[32];
            random.NextBytes(bytes);
            return i % 2 == 0
                ? $"/boot/cfg/{Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_')}/boot.cfg"
                : $"/boot/script.ipxe?mac={string.Join('-', bytes.Take(6).Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)))}&platform=efi&arch=x86_64";
        }).ToList();

        var statuses = new System.Collections.Concurrent.ConcurrentBag<HttpStatusCode>();
        await Parallel.ForEachAsync(paths, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (path, ct) =>
        {
            using var response = await client.GetAsync(path, ct);
            statuses.Add(response.StatusCode);
        });

        statuses.Should().OnlyContain(s => s == HttpStatusCode.OK || s == HttpStatusCode.NotFound);
        var added = audit.Read(0, 100_000).Count - auditBefore;
        // Per source and window: PerWindow records and one ALERT for each kind (unknown tokens, new check-ins).
        added.Should().BeLessThanOrEqualTo(2 * (PerWindow + 1));
        appliance.Services.GetRequiredService<BootService>().ListCheckIns(false, 0, 100_000).Count.Should().BeLessThanOrEqualTo(MaxCheckIns);
        audit.Read(0, 100_000).Should().Contain(a => a.Action == "boot.cfg-unknown" && a.Detail!.Contains("ALERT: too many", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Flood_OverTheRateLimit_429()
    {
        await using var appliance = await TestAppliance.StartAsync(dataDirectory: null, "--RecoveryAssist:Boot:RequestsPerMinute=60");
        var client = appliance.Provisioning();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 100; i++)
        {
            using var response = await client.GetAsync("/boot/script.ipxe?mac=52-54-00-cc-00-01&platform=efi&arch=x86_64");
            statuses.Add(response.StatusCode);
        }

        statuses.Should().Contain(HttpStatusCode.TooManyRequests);
        statuses.Take(50).Should().OnlyContain(s => s == HttpStatusCode.OK, "a burst of a minute's allowance passes");
    }
}
