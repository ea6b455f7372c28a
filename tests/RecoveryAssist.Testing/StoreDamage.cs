using Microsoft.Extensions.DependencyInjection;
using RecoveryAssist.Server.Features.Audit;
using RecoveryAssist.Server.Storage;

namespace RecoveryAssist.Testing;

/// <summary>Damages a store as a failing disk would, for the integrity checks' tests.</summary>
internal static class StoreDamage
{
    /// <summary>Creates a store in <paramref name="dataDirectory"/> whose second half is mostly audit pages, and closes it.</summary>
    public static async Task StoreWithManyAuditRecordsAsync(string dataDirectory, int records = 3000)
    {
        await using var appliance = await TestAppliance.StartAsync(dataDirectory);
        var database = appliance.Services.GetRequiredService<AppDatabase>();
        var audit = appliance.Services.GetRequiredService<AuditLog>();
        database.Write(() =>
        {
            for (var i = 0; i < records; i++)
                audit.Append(new AuditEntry("filler", "test.filler", $"host:filler-{i}", AuditEntry.Success, "192.0.2.1", new string('x', 300)));
        });
    }

    /// <summary>Overwrites 4 KiB in the middle of the store file (past its header pages) with bytes that decrypt to garbage.</summary>
    public static void DamageMiddle(string dataDirectory)
    {
        using var stream = new FileStream(Path.Combine(dataDirectory, AppDatabase.FileName), FileMode.Open, FileAccess.ReadWrite);
        stream.Position = stream.Length / 2;
        var junk = new byte[4096];
        new Random(13).NextBytes(junk);
        stream.Write(junk);
    }
}
