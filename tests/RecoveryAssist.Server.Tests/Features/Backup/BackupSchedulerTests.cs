using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using RecoveryAssist.Server.Features.Audit;
using RecoveryAssist.Server.Features.Backup;

namespace RecoveryAssist.Server.Tests.Features.Backup;

/// <summary>
/// The backup timer on a real appliance. A backup that is due runs while the appliance starts (before the
/// timer's first wait), so these tests need no waiting: they start the appliance and look.
/// </summary>
public sealed class BackupSchedulerTests : IDisposable
{
    private readonly string _backups = Directory.CreateDirectory(TestDirectory.NewPath("ra-backups-")).FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 9, 0, 0, TimeSpan.Zero));

    public void Dispose() => TestDirectory.Delete(_backups);

    private Task<TestAppliance> StartAsync(int keep = 14) => TestAppliance.StartAsync(_time, null,
        $"--RecoveryAssist:Backup:Directory={_backups}", "--RecoveryAssist:Backup:IntervalHours=24", $"--RecoveryAssist:Backup:Keep={keep}");

    private string[] Backups() => Directory.GetFiles(_backups).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    private void OldBackup(string name, DateTimeOffset writtenAt)
    {
        var path = Path.Combine(_backups, name);
        File.WriteAllText(path, "an older backup");
        File.SetLastWriteTimeUtc(path, writtenAt.UtcDateTime);
    }

    [Fact]
    public async Task Start_NoBackupYet_WritesOneThatRestoresAndAuditsIt()
    {
        await using var appliance = await StartAsync();
        var admin = await appliance.SignedInAsync("admin");
        // The backup ran at start: the host added now is in the next one, not in this one.
        (await admin.PostAsJsonAsync("/api/hosts", new { name = "after-backup.lab" })).EnsureSuccessStatusCode();

        Backups().Should().Equal("recoveryassist-20261206T090000Z.rabackup");
        var audit = appliance.Services.GetRequiredService<AuditLog>().Read(0, 1000);
        audit.Should().ContainSingle(r => r.Action == "backup.created").Which.Actor.Should().Be("system:backup-timer");
        appliance.Services.GetRequiredService<BackupStatus>().LastSuccess.Should().Be(_time.GetUtcNow());
        var restored = TestDirectory.NewPath("ra-restored-");
        try
        {
            var result = BackupRestore.Restore(Path.Combine(_backups, Backups()[0]), restored, Path.Combine(appliance.DataDirectory, "kek.key"), null);
            result.Hosts.Should().Be(0);
            result.AuditRecords.Should().BeGreaterThan(0);
        }
        finally
        {
            TestDirectory.Delete(restored);
        }
    }

    [Fact]
    public async Task Start_BackupsOlderThanInterval_WritesOneAndPrunesToKeep()
    {
        OldBackup("recoveryassist-20261201T090000Z.rabackup", _time.GetUtcNow().AddDays(-5));
        OldBackup("recoveryassist-20261203T090000Z.rabackup", _time.GetUtcNow().AddDays(-3));
        OldBackup("recoveryassist-20261204T090000Z.rabackup", _time.GetUtcNow().AddDays(-2));
        OldBackup("unrelated.txt", _time.GetUtcNow().AddDays(-9));

        await using var appliance = await StartAsync(keep: 2);

        Backups().Should().Equal("recoveryassist-20261204T090000Z.rabackup", "recoveryassist-20261206T090000Z.rabackup", "unrelated.txt");
    }

    [Fact]
    public async Task Start_RecentBackup_WritesNoneAndReportsItsTime()
    {
        var recent = _time.GetUtcNow().AddHours(-1);
        OldBackup("recoveryassist-20261206T080000Z.rabackup", recent);

        await using var appliance = await StartAsync();

        Backups().Should().Equal("recoveryassist-20261206T080000Z.rabackup");
        appliance.Services.GetRequiredService<BackupStatus>().LastSuccess.Should().Be(recent);
    }

    [Fact]
    public async Task Start_DirectoryUnwritable_AppliancesRunsAndCountsTheFailure()
    {
        var notADirectory = Path.Combine(_backups, "a-file");
        File.WriteAllText(notADirectory, "");

        await using var appliance = await TestAppliance.StartAsync(_time, null, $"--RecoveryAssist:Backup:Directory={notADirectory}");

        var status = appliance.Services.GetRequiredService<BackupStatus>();
        status.LastSuccess.Should().BeNull();
        status.Failures.Should().Be(1);
        (await appliance.Anonymous().GetAsync("/healthz")).IsSuccessStatusCode.Should().BeTrue();
    }

    [Theory]
    [InlineData("IntervalHours=0", "IntervalHours must be between")]
    [InlineData("Keep=0", "Keep must be between")]
    public async Task Start_InvalidSetting_RefusedNamingIt(string setting, string expected)
    {
        var start = () => TestAppliance.StartAsync(_time, null, "--RecoveryAssist:Backup:" + setting);

        (await start.Should().ThrowAsync<Microsoft.Extensions.Options.OptionsValidationException>()).WithMessage($"*{expected}*");
    }
}
