using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LiteDB;
using RecoveryAssist.Server.Features.Audit;
using RecoveryAssist.Server.Features.Secrets;
using RecoveryAssist.Server.Offline;
using RecoveryAssist.Server.Storage;
using RecoveryAssist.Server.Tests.Infrastructure;

namespace RecoveryAssist.Server.Tests.Offline;

public class OfflineAdminTests
{
    /// <summary>Runs an appliance on a fresh data directory, escrows keys for two hosts, stops it.</summary>
    private static async Task<(string DataDirectory, List<(string HostId, string Output)> Imports)> StoreWithKeysAsync()
    {
        var imports = new List<(string, string)>();
        var dataDirectory = TestDirectory.NewPath("ra-offline-");
        await using (var appliance = await TestAppliance.StartAsync(dataDirectory))
        {
            var admin = await appliance.SignedInAsync("admin");
            for (var i = 0; i < 2; i++)
            {
                var host = await (await admin.PostAsJsonAsync("/api/hosts", new { name = $"kek{i}.lab" })).Content.ReadFromJsonAsync<JsonElement>();
                var id = host.GetProperty("id").GetString()!;
                var output = EsxcliOutput.NewHostKey().Output;
                (await admin.PostAsJsonAsync($"/api/hosts/{id}/import", new { output })).EnsureSuccessStatusCode();
                imports.Add((id, output));
            }
        }
        return (dataDirectory, imports);
    }

    private static async Task ShouldStillHoldKeysAsync(string dataDirectory, List<(string HostId, string Output)> imports)
    {
        await using var appliance = await TestAppliance.StartAsync(dataDirectory);
        var admin = await appliance.SignedInAsync("admin");
        foreach (var (hostId, output) in imports)
        {
            var result = await (await admin.PostAsJsonAsync($"/api/hosts/{hostId}/import", new { output })).Content.ReadFromJsonAsync<JsonElement>();
            result.GetProperty("outcome").GetString().Should().Be("verified", "the escrowed key must still open and match after the rotation");
        }
        var verify = await admin.GetFromJsonAsync<JsonElement>("/api/audit/verify");
        verify.GetProperty("intact").GetBoolean().Should().BeTrue(verify.GetRawText());
    }

    [Fact]
    public async Task RotateKek_StoreWithKeys_KeysOpenUnderNewKekAndOldKekNoLongerOpensStore()
    {
        var (dataDirectory, imports) = await StoreWithKeysAsync();
        var kekFile = Path.Combine(dataDirectory, "kek.key");
        var oldKek = File.ReadAllText(kekFile);

        var (count, oldId, newId) = OfflineAdmin.RotateKek(dataDirectory, null);

        count.Should().Be(2);
        newId.Should().NotBe(oldId);
        File.ReadAllText(kekFile).Should().NotBe(oldKek);
        File.Exists(AppStore.PendingKekFile(kekFile)).Should().BeFalse();
        using (var old = KeyEncryptionKey.FromBase64(oldKek, "test"))
            FluentActions.Invoking(() => new LiteDatabase($"Filename={Path.Combine(dataDirectory, AppDatabase.FileName)};Password={old.DeriveDatabasePassword()}").GetCollectionNames().ToList())
                .Should().Throw<LiteException>();
        OfflineAdmin.VerifyAudit(dataDirectory, null).FirstProblem.Should().BeNull();
        await ShouldStillHoldKeysAsync(dataDirectory, imports);
    }

    [Fact]
    public async Task Open_RotationStoppedBeforePromotingNewKek_PromotesPendingKek()
    {
        var (dataDirectory, imports) = await StoreWithKeysAsync();
        var kekFile = Path.Combine(dataDirectory, "kek.key");
        var oldKek = File.ReadAllText(kekFile);
        OfflineAdmin.RotateKek(dataDirectory, null);
        // As if the process died after re-encrypting the store, before the rename.
        File.Move(kekFile, AppStore.PendingKekFile(kekFile));
        File.WriteAllText(kekFile, oldKek);

        await ShouldStillHoldKeysAsync(dataDirectory, imports);

        File.Exists(AppStore.PendingKekFile(kekFile)).Should().BeFalse();
        File.ReadAllText(kekFile).Should().NotBe(oldKek);
    }

    [Fact]
    public async Task VerifyAudit_RecordEditedInTheFile_NamesTheRecord()
    {
        var (dataDirectory, _) = await StoreWithKeysAsync();
        using (var kek = KeyEncryptionKey.FromBase64(File.ReadAllText(Path.Combine(dataDirectory, "kek.key")), "test"))
        using (var database = new LiteDatabase($"Filename={Path.Combine(dataDirectory, AppDatabase.FileName)};Password={kek.DeriveDatabasePassword()}"))
        {
            var records = database.GetCollection(AuditLog.RecordsCollection);
            var third = records.FindById(3);
            third["Actor"] = "someone-else";
            records.Update(third);
        }

        var (records2, problem) = OfflineAdmin.VerifyAudit(dataDirectory, null);

        records2.Should().BeGreaterThan(3);
        problem.Should().Be("record 3: edited (its content does not match its hash)");
    }

    [Fact]
    public async Task CreateAdmin_OfflineStore_OneTimePasswordSignsInAndMustBeChanged()
    {
        var (dataDirectory, _) = await StoreWithKeysAsync();

        var password = OfflineAdmin.CreateAdmin(dataDirectory, null, "rescue-admin");

        await using var appliance = await TestAppliance.StartAsync(dataDirectory);
        var client = appliance.Anonymous();
        var signIn = await client.PostAsJsonAsync("/api/auth/signin", new { userName = "rescue-admin", password });
        (await signIn.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("mustChangePassword").GetBoolean().Should().BeTrue();
        (await client.GetAsync("/api/hosts/")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    [Fact]
    public void Open_NoStore_ClearError()
    {
        var act = () => OfflineAdmin.VerifyAudit(Path.Combine(Path.GetTempPath(), "ra-none-" + Guid.NewGuid().ToString("N")), null);

        act.Should().Throw<StoreOpenException>().WithMessage("There is no RecoveryAssist store in*");
    }
}
