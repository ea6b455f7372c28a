using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Storage;

namespace RecoveryAssist.Server.Tests.Features.Escrow;

public sealed class FingerprintBackfillTests
{
    [Fact]
    public async Task Start_VersionsEscrowedBeforeFingerprints_GetTheirsSoTheSameKeyOnTwoHostsIsFound()
    {
        var dataDirectory = TestDirectory.NewPath("ra-fingerprints-");
        try
        {
            var shared = EsxcliOutput.NewHostKey();
            await using (var before = await TestAppliance.StartAsync(dataDirectory))
            {
                var escrow = before.Services.GetRequiredService<EscrowService>();
                foreach (var name in new[] { "old-a.lab", "old-b.lab" })
                {
                    var host = escrow.CreateHost(new HostInput(name), Actor.System);
                    // The same key under another Recovery ID on each host: only the key's fingerprint can tell.
                    escrow.ImportForHost(host.Id, EsxcliOutput.RecoveryList(EsxcliOutput.NewHostKey().Id, shared.Key), null, KeySource.Imported, Actor.System);
                }
                // As an appliance from before fingerprints left them: none.
                var versions = before.Services.GetRequiredService<AppDatabase>().Collection<KeyVersionRecord>(EscrowService.KeysCollection);
                foreach (var version in versions.FindAll().ToList())
                {
                    version.Fingerprint = null;
                    versions.Update(version);
                }
                var admin = await before.SignedInAsync("admin");
                (await admin.GetFromJsonAsync<JsonElement>("/api/reports/coverage")).GetProperty("sameKeyOnSeveralHosts").GetArrayLength()
                    .Should().Be(0, "without fingerprints the shared key is not seen");
            }

            await using var after = await TestAppliance.StartAsync(dataDirectory);

            var coverage = await (await after.SignedInAsync("admin")).GetFromJsonAsync<JsonElement>("/api/reports/coverage");
            coverage.GetProperty("sameKeyOnSeveralHosts").EnumerateArray().Select(h => h.GetProperty("name").GetString())
                .Should().BeEquivalentTo("old-a.lab", "old-b.lab");
            after.Services.GetRequiredService<KeyVersionStore>().All().Should().OnlyContain(v => v.Fingerprint != null);
            after.Services.GetRequiredService<RecoveryAssist.Server.Features.Audit.AuditLog>().Read(0, 1000)
                .Should().ContainSingle(r => r.Action == "key.fingerprinted").Which.Detail.Should().StartWith("2 key versions");
        }
        finally
        {
            TestDirectory.Delete(dataDirectory);
        }
    }
}
