using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using RecoveryAssist.Core.Keys;
using RecoveryAssist.Server.Features.Audit;
using RecoveryAssist.Server.Tests.Infrastructure;

namespace RecoveryAssist.Server.Tests.Features.Escrow;

public sealed class EscrowApiTests : IAsyncLifetime
{
    private TestAppliance _appliance = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        _appliance = await TestAppliance.StartAsync();
        _admin = await _appliance.SignedInAsync("admin");
    }

    public async Task DisposeAsync() => await _appliance.DisposeAsync();

    private async Task<JsonElement> CreateHostAsync(string name, object? extra = null)
    {
        var response = await _admin.PostAsJsonAsync("/api/hosts", extra ?? new { name });
        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> ImportAsync(string hostId, string output)
    {
        var response = await _admin.PostAsJsonAsync($"/api/hosts/{hostId}/import", new { output });
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    [Fact]
    public async Task Coverage_SameKeyImportedForTwoHosts_BothListedWithoutKeyMaterial()
    {
        var a = (await CreateHostAsync("copy-a.lab")).GetProperty("id").GetString()!;
        var b = (await CreateHostAsync("copy-b.lab")).GetProperty("id").GetString()!;
        var c = (await CreateHostAsync("copy-c.lab")).GetProperty("id").GetString()!;
        var shared = EsxcliOutput.NewHostKey();
        var sameKeyOtherId = EsxcliOutput.RecoveryList(EsxcliOutput.NewHostKey().Id, shared.Key);

        (await ImportAsync(a, shared.Output)).Status.Should().Be(HttpStatusCode.OK);
        (await ImportAsync(b, shared.Output)).Status.Should().Be(HttpStatusCode.OK);
        (await ImportAsync(c, sameKeyOtherId)).Status.Should().Be(HttpStatusCode.OK);
        var coverage = await _admin.GetFromJsonAsync<JsonElement>("/api/reports/coverage");

        var same = coverage.GetProperty("sameKeyOnSeveralHosts").EnumerateArray().ToList();
        same.Select(h => h.GetProperty("name").GetString()).Distinct().Should().BeEquivalentTo("copy-a.lab", "copy-b.lab", "copy-c.lab");
        same.Should().Contain(h => h.GetProperty("problem").GetString()!.StartsWith("same Recovery ID escrowed for several hosts (copy-a.lab, copy-b.lab)", StringComparison.Ordinal));
        same.Should().Contain(h => h.GetProperty("problem").GetString()!.StartsWith("same key escrowed for several hosts (copy-a.lab, copy-b.lab, copy-c.lab)", StringComparison.Ordinal),
            "the same key under another Recovery ID is found by its keyed fingerprint");
        coverage.GetRawText().Should().NotContain(shared.Key.RevealGroups()[0]);
        var policy = await _admin.GetFromJsonAsync<JsonElement>("/api/reports/policy?format=json");
        policy.GetProperty("hosts").EnumerateArray().Where(h => h.GetProperty("sameKeyOnSeveralHosts").GetBoolean())
            .Select(h => h.GetProperty("hostName").GetString()).Should().BeEquivalentTo("copy-a.lab", "copy-b.lab", "copy-c.lab");
        policy.GetProperty("summary").GetProperty("sameKeyOnSeveralHosts").GetInt32().Should().Be(3, "the policy report says it too");
        var alerts = (await _admin.GetFromJsonAsync<JsonElement>("/api/alerts?kind=sameKeyOnSeveralHosts&state=open")).EnumerateArray().ToList();
        alerts.Select(a => a.GetProperty("hostName").GetString()).Should().BeEquivalentTo(["copy-b.lab", "copy-c.lab"],
            "an import that puts a key another host holds raises a critical alert on the host it was put on");
        alerts.Single(a => a.GetProperty("hostName").GetString() == "copy-c.lab").GetProperty("message").GetString().Should().Contain("copy-a.lab, copy-b.lab");
        alerts.Should().OnlyContain(a => a.GetProperty("severity").GetString() == "critical");
        string.Concat(alerts.Select(a => a.GetRawText())).Should().NotContain(shared.Key.RevealGroups()[0]);
    }

    [Fact]
    public async Task BulkImport_SameKeyForTwoHosts_AlertsOnTheSecond()
    {
        var shared = EsxcliOutput.NewHostKey();
        var request = new { records = new object[] { new { hostName = "twin-a", output = shared.Output }, new { hostName = "twin-b", output = shared.Output } } };

        (await _admin.PostAsJsonAsync("/api/import/bulk", request)).StatusCode.Should().Be(HttpStatusCode.OK);

        var alerts = (await _admin.GetFromJsonAsync<JsonElement>("/api/alerts?kind=sameKeyOnSeveralHosts")).EnumerateArray().ToList();
        alerts.Should().ContainSingle().Which.GetProperty("hostName").GetString().Should().Be("twin-b");
    }

    [Fact]
    public async Task Import_FirstSameThenDifferentKey_EscrowedVerifiedChangedWithDrift()
    {
        var host = await CreateHostAsync("esx01.lab");
        var id = host.GetProperty("id").GetString()!;
        var first = EsxcliOutput.NewHostKey();

        var escrowed = await ImportAsync(id, first.Output);
        var verified = await ImportAsync(id, first.Output);
        var changed = await ImportAsync(id, EsxcliOutput.NewHostKey().Output);

        escrowed.Body.GetProperty("outcome").GetString().Should().Be("escrowed");
        verified.Body.GetProperty("outcome").GetString().Should().Be("verified");
        changed.Body.GetProperty("outcome").GetString().Should().Be("changed");
        var keys = await _admin.GetFromJsonAsync<JsonElement>($"/api/hosts/{id}/keys");
        keys.EnumerateArray().Select(k => k.GetProperty("status").GetString()).Should().Equal(["current", "unsaved"],
            "a pasted list shows the running key; until a save or reboot proves it saved, the old key stays the one the next boot needs");
        keys.GetRawText().Should().NotContain(first.Key.Reveal()[..13], "key metadata never holds key material");
        var coverage = await _admin.GetFromJsonAsync<JsonElement>("/api/reports/coverage");
        coverage.GetProperty("recentDrift").EnumerateArray().Should().ContainSingle()
            .Which.GetProperty("hostName").GetString().Should().Be("esx01.lab");
        coverage.GetProperty("rotationNotSaved").EnumerateArray().Should().ContainSingle()
            .Which.GetProperty("problem").GetString().Should().StartWith("rotation-not-saved: version 2");
        coverage.GetProperty("neverVerifiedOnHost").EnumerateArray().Select(h => h.GetProperty("name").GetString()).Should().Contain("esx01.lab");
    }

    [Fact]
    public async Task Import_MistypedGroup_Answers400NamingGroupAndWritesNothing()
    {
        var host = await CreateHostAsync("esx02.lab");
        var id = host.GetProperty("id").GetString()!;
        var (recoveryId, key, _) = EsxcliOutput.NewHostKey();
        var groups = key.RevealGroups().ToArray();
        groups[6] = groups[6][..5] + (groups[6][5] == '0' ? '1' : '0');
        var output = $"Recovery ID                             Key\n--------------------------------------  ---\n{recoveryId}  {string.Join('-', groups)}\n";

        var (status, body) = await ImportAsync(id, output);

        status.Should().Be(HttpStatusCode.BadRequest);
        body.GetProperty("type").GetString().Should().EndWith("/invalid-import");
        body.GetProperty("detail").GetString().Should().Contain("group 7").And.Contain("line 3");
        body.GetRawText().Should().NotContain(groups[0]);
        (await _admin.GetFromJsonAsync<JsonElement>($"/api/hosts/{id}/keys")).GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task BulkImport_MixedRecords_ReportsEachAndWritesOnlyGoodOnes()
    {
        var good = EsxcliOutput.NewHostKey();
        var request = new
        {
            records = new object[]
            {
                new { hostName = "bulk-a", output = good.Output, macAddresses = new[] { "00:50:56:01:02:03" }, serial = "SN-A" },
                new { hostName = "bulk-b", output = "garbage that is not esxcli output" },
                new { hostName = "bad name!", output = good.Output },
                new { hostName = "bulk-c", output = EsxcliOutput.NewHostKey().Output },
                new { hostName = "bulk-d", output = EsxcliOutput.NewHostKey().Output, macAddresses = new[] { "not-a-mac" } },
            },
        };

        var response = await _admin.PostAsJsonAsync("/api/import/bulk", request);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        body.GetProperty("succeeded").GetInt32().Should().Be(2);
        body.GetProperty("failed").GetInt32().Should().Be(3);
        var results = body.GetProperty("results").EnumerateArray().ToList();
        results[1].GetProperty("error").GetString().Should().Contain("line 1");
        results[2].GetProperty("error").GetString().Should().Contain("hostName");
        results[4].GetProperty("error").GetString().Should().Contain("macAddresses[0]");
        (await _admin.GetFromJsonAsync<JsonElement>("/api/hosts/find?mac=00-50-56-01-02-03")).EnumerateArray().Should().ContainSingle()
            .Which.GetProperty("serial").GetString().Should().Be("SN-A");
        (await _admin.GetFromJsonAsync<JsonElement>("/api/hosts/find?name=bulk-b")).GetArrayLength().Should().Be(0);
        (await _admin.GetFromJsonAsync<JsonElement>("/api/hosts/find?name=BULK-A")).GetArrayLength().Should().Be(1);
    }

    [Fact]
    public async Task Find_ByMacUuidSerialAndName_FindsHostWhateverTheSpelling()
    {
        await CreateHostAsync("esx03.lab", new
        {
            name = "esx03.lab",
            smbiosUuid = "4C4C4544-0042-3510-8052-B4C04F4E4232",
            serial = "abc123x",
            macAddresses = new[] { "00-50-56-AA-BB-CC" },
            kernelOpt = "autoPartition=FALSE",
        });

        foreach (var query in new[] { "mac=0050.56aa.bbcc", "uuid=4c4c4544-0042-3510-8052-b4c04f4e4232", "serial=ABC123X", "name=ESX03.LAB" })
        {
            var found = await _admin.GetFromJsonAsync<JsonElement>("/api/hosts/find?" + query);
            found.EnumerateArray().Should().ContainSingle(query).Which.GetProperty("name").GetString().Should().Be("esx03.lab");
        }
    }

    [Theory]
    [InlineData("{\"name\":\"x1\",\"unknownField\":1}", "unknownField")]
    [InlineData("{\"name\":\"x2\",\"macAddresses\":[\"zz:zz\"]}", "macAddresses[0]")]
    [InlineData("{\"name\":\"x3\",\"kernelOpt\":\"a\\tb\"}", "kernelOpt")]
    [InlineData("{\"name\":\"\"}", "name is required")]
    [InlineData("{\"name\":", "JSON")]
    public async Task CreateHost_BadInput_Answers400SayingWhichField(string json, string expected)
    {
        var response = await _admin.PostAsync("/api/hosts", new StringContent(json, Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest, body);
        body.Should().Contain(expected);
    }

    [Fact]
    public async Task CreateHost_BodyOverLimit_Answers413()
    {
        // Announce a body over the 8 MiB limit and read the answer before sending it: Kestrel
        // refuses from the Content-Length alone (a client that keeps sending would see a reset).
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(_appliance.Address.Host, _appliance.Address.Port);
        await using var stream = new System.Net.Security.SslStream(tcp.GetStream(), false, (_, certificate, _, _) =>
            certificate is not null && RecoveryAssist.Server.Features.Network.TlsCertificate.Fingerprint(new System.Security.Cryptography.X509Certificates.X509Certificate2(certificate)) == _appliance.CertificateFingerprint);
        await stream.AuthenticateAsClientAsync("localhost");
        var head = $"POST /api/hosts HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {_appliance.CreateToken("admin")}\r\nContent-Type: application/json\r\nContent-Length: {9 * 1024 * 1024}\r\n\r\n{{\"name\":\"";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        var buffer = new byte[512];
        var read = await stream.ReadAsync(buffer);

        Encoding.ASCII.GetString(buffer, 0, read).Should().StartWith("HTTP/1.1 413");
    }

    [Fact]
    public async Task CreateHost_DuplicateName_Answers409()
    {
        await CreateHostAsync("dup.lab");

        var response = await _admin.PostAsJsonAsync("/api/hosts", new { name = "DUP.lab" });

        response.StatusCode.Should().Be(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Export_Csv_HasMetadataAndNoKeyMaterial()
    {
        var host = await CreateHostAsync("export.lab");
        var key = EsxcliOutput.NewHostKey();
        await ImportAsync(host.GetProperty("id").GetString()!, key.Output);

        var csv = await _admin.GetStringAsync("/api/reports/export?format=csv");

        csv.Should().StartWith("host,managementAddress,serial,smbiosUuid,version,recoveryId,source,status,firstSeen,lastVerified\n");
        csv.Should().Contain(key.Id.ToString()).And.NotContain(key.Key.RevealGroups()[0]);
    }

    [Fact]
    public async Task Audit_AfterImports_ChainVerifiesAndRecordsEveryChange()
    {
        var host = await CreateHostAsync("esx04.lab");
        await ImportAsync(host.GetProperty("id").GetString()!, EsxcliOutput.NewHostKey().Output);

        var verify = await _admin.GetFromJsonAsync<JsonElement>("/api/audit/verify");
        var records = await _admin.GetFromJsonAsync<JsonElement>("/api/audit/?target=host:esx04.lab");

        verify.GetProperty("intact").GetBoolean().Should().BeTrue();
        records.EnumerateArray().Select(r => r.GetProperty("action").GetString()).Should().Equal("host.created", "key.escrowed");
    }

    [Fact]
    public async Task Health_StoreOpen_Answers200AndOpenApiIsServed()
    {
        var client = _appliance.Anonymous();

        (await client.GetAsync("/healthz")).StatusCode.Should().Be(HttpStatusCode.OK);
        var openApi = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        openApi.GetProperty("paths").TryGetProperty("/api/hosts/{id}/import", out _).Should().BeTrue();
    }

    [Fact]
    public async Task Store_AfterImportsAndClose_HoldsNoKeyDigitsInClear()
    {
        var keys = new List<RecoveryKey>();
        for (var i = 0; i < 5; i++)
        {
            var host = await CreateHostAsync($"clear{i}.lab");
            var key = EsxcliOutput.NewHostKey();
            keys.Add(key.Key);
            await ImportAsync(host.GetProperty("id").GetString()!, key.Output);
        }
        var dataDirectory = _appliance.DataDirectory;
        _appliance.Services.GetRequiredService<AuditLog>().Verify().Should().BeNull();
        await _appliance.StopAsync();

        var files = Directory.GetFiles(dataDirectory, "*", SearchOption.AllDirectories);
        files.Should().Contain(f => f.EndsWith(".db", StringComparison.Ordinal));
        foreach (var file in files)
        {
            var content = Encoding.Latin1.GetString(File.ReadAllBytes(file));
            foreach (var key in keys)
            {
                var groups = key.RevealGroups();
                for (var g = 0; g < groups.Count - 1; g++)
                    content.Should().NotContain(groups[g] + "-" + groups[g + 1], $"{Path.GetFileName(file)} must not hold key digits in clear");
            }
            content.Should().NotContain("host.created", "the store file is encrypted as a whole");
        }
        await _appliance.DisposeAsync();
        _appliance = await TestAppliance.StartAsync();
    }
}
