using System.Net.Http.Json;
using System.Text.Json;
using RecoveryAssist.Core.Keys;
using RecoveryAssist.Server.Features.Secrets;

namespace RecoveryAssist.EndToEnd.Tests.Backup;

/// <summary>
/// The issue's restore drill, as an operator runs it: escrow hosts, back up with the command line while the
/// appliance runs, lose the data directory, restore, start again, and recover every key through a session
/// approved by a second person; the audit chain verifies. Damaged and wrong-key backups are refused with
/// one line, and nothing is written.
/// </summary>
/// <summary>The escrow of the drill, backed up both ways, its data directory destroyed: made once for all the drill's tests.</summary>
public sealed class RestoreDrillFixture : IAsyncLifetime
{
    public const int HostCount = 4;
    public const string Passphrase = "drill passphrase, kept in the safe";

    public string Root { get; } = Directory.CreateDirectory(TestDirectory.NewPath("ra-drill-")).FullName;

    public List<(string Name, RecoveryId Id, RecoveryKey Key)> Hosts { get; } = [];

    public string KekKeptApart => Path.Combine(Root, "safe", "kek.key");

    public string KekBackup => Path.Combine(Root, "escrow-kek.rabackup");

    public string PassphraseBackup => Path.Combine(Root, "escrow-passphrase.rabackup");

    /// <summary>Escrows the hosts, backs up both ways with the CLI, keeps the KEK apart, and destroys the data directory.</summary>
    public async Task InitializeAsync()
    {
        var data = Path.Combine(Root, "original");
        await using (var appliance = await TestAppliance.StartAsync(data))
        {
            foreach (var (name, role) in new[] { ("tech-a", "Technician"), ("tech-b", "Technician"), ("auditor-d", "Auditor") })
                appliance.CreateUser(name, role);
            var admin = await appliance.SignedInAsync("admin");
            for (var i = 0; i < HostCount; i++)
            {
                var name = $"esx-drill-{i}.lab";
                var host = await (await admin.PostAsJsonAsync("/api/hosts", new { name })).Content.ReadFromJsonAsync<JsonElement>();
                var (id, key, output) = EsxcliOutput.NewHostKey();
                (await admin.PostAsJsonAsync($"/api/hosts/{host.GetProperty("id").GetString()}/import", new { output })).EnsureSuccessStatusCode();
                Hosts.Add((name, id, key));
            }
            using var cli = new CliProcess(appliance.Address, appliance.CreateToken("admin"));
            var kekSealed = await cli.RunAsync("admin", "backup", "--out", KekBackup);
            kekSealed.ExitCode.Should().Be(0, kekSealed.ToString());
            kekSealed.Output.Should().Contain("sealed under the KEK");
            var passphraseSealed = await cli.RunWithInputAsync(Passphrase + "\n", "admin", "backup", "--out", PassphraseBackup, "--passphrase-stdin");
            passphraseSealed.ExitCode.Should().Be(0, passphraseSealed.ToString());
        }
        Directory.CreateDirectory(Path.GetDirectoryName(KekKeptApart)!);
        File.Copy(Path.Combine(data, "kek.key"), KekKeptApart);
        Directory.Delete(data, recursive: true);
    }

    public Task DisposeAsync()
    {
        TestDirectory.Delete(Root);
        return Task.CompletedTask;
    }
}

public sealed class RestoreDrillTests(RestoreDrillFixture drill) : IClassFixture<RestoreDrillFixture>
{
    private const int HostCount = RestoreDrillFixture.HostCount;
    private const string Passphrase = RestoreDrillFixture.Passphrase;

    /// <summary>Each test restores into a directory of its own under the drill's root.</summary>
    private readonly string _work = Directory.CreateDirectory(Path.Combine(drill.Root, "test-" + Guid.NewGuid().ToString("N")[..8])).FullName;
    private string Data => Path.Combine(_work, "data");
    private string KekKeptApart => drill.KekKeptApart;
    private string KekBackup => drill.KekBackup;
    private string PassphraseBackup => drill.PassphraseBackup;

    [Fact]
    public async Task Restore_KekBackupOntoEmptyDirectory_EveryKeyRevealableAndAuditIntact()
    {
        var sealedText = System.Text.Encoding.Latin1.GetString(await File.ReadAllBytesAsync(KekBackup));
        foreach (var (_, _, key) in drill.Hosts)
            sealedText.Should().NotContain(key.Reveal()).And.NotContain(key.RevealGroups()[0] + "-" + key.RevealGroups()[1]);
        sealedText.Should().NotContain(File.ReadAllText(KekKeptApart).Trim(), "a KEK-sealed backup never holds the KEK");
        using var offline = new CliProcess(new Uri("http://127.0.0.1:1"));
        var restored = await offline.RunAsync("admin", "restore", KekBackup, "--data", Data, "--kek-file", KekKeptApart);
        restored.ExitCode.Should().Be(0, restored.ToString());
        restored.Output.Should().Contain($"{HostCount} hosts, {HostCount} key versions").And.Contain("chain verified");

        await using (var appliance = await TestAppliance.StartAsync(Data))
        {
            appliance.Console.ToString().Should().NotContain("one-time password", "the restored store has its administrators");
            var techA = await SignInAsync(appliance, "tech-a");
            var techB = await SignInAsync(appliance, "tech-b");
            foreach (var (name, id, key) in drill.Hosts)
            {
                var opened = await techA.PostAsJsonAsync("/api/sessions", new { host = name, reason = "motherboard-replaced", ticket = "DRILL-1" });
                opened.EnsureSuccessStatusCode();
                var session = (await opened.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
                (await techB.PostAsync($"/api/sessions/{session}/approve", null)).EnsureSuccessStatusCode();
                var reveal = await techA.PostAsJsonAsync($"/api/sessions/{session}/reveal", new { });
                reveal.EnsureSuccessStatusCode();
                var revealed = await reveal.Content.ReadFromJsonAsync<JsonElement>();
                revealed.GetProperty("recoveryId").GetString().Should().Be(id.ToString());
                revealed.GetProperty("textToType").GetString().Should().Be(" encryptionRecoveryKey=" + key.Reveal());
            }
            var auditor = await SignInAsync(appliance, "auditor-d");
            (await auditor.GetFromJsonAsync<JsonElement>("/api/audit/verify")).GetProperty("intact").GetBoolean().Should().BeTrue();
            var storeActions = (await auditor.GetFromJsonAsync<JsonElement>("/api/audit/?target=store")).EnumerateArray().Select(r => r.GetProperty("action").GetString());
            storeActions.Should().EndWith("backup.restored", "the restored log says where the store came from");
        }
        var verify = await offline.RunAsync("audit", "verify", "--data", Data);
        verify.ExitCode.Should().Be(0, verify.ToString());
        verify.Output.Should().StartWith("intact:");
    }

    [Fact]
    public async Task Restore_PassphraseBackup_RestoresAloneWithItsKek()
    {
        using var offline = new CliProcess(new Uri("http://127.0.0.1:1"));

        var restored = await offline.RunWithInputAsync(Passphrase + "\n", "admin", "restore", PassphraseBackup, "--data", Data, "--passphrase-stdin");

        restored.ExitCode.Should().Be(0, restored.ToString());
        restored.Output.Should().Contain($"{HostCount} hosts").And.Contain("written to " + Path.Combine(Data, "kek.key"));
        File.ReadAllText(Path.Combine(Data, "kek.key")).Should().Be(File.ReadAllText(KekKeptApart));
        (await offline.RunAsync("audit", "verify", "--data", Data)).ExitCode.Should().Be(0);
    }

    public static TheoryData<string, string> Refusals => new()
    {
        { "flipped-byte", "error: The backup is damaged at part * (byte *): it does not authenticate. Nothing was restored." },
        { "wrong-kek", "error: Wrong KEK: this backup is sealed under KEK *, the KEK given is *. Nothing was restored." },
        { "wrong-passphrase", "error: Wrong passphrase: this backup does not open with the passphrase given. Nothing was restored." },
        { "no-kek", "error: This backup is sealed under KEK *: give that KEK with --kek-file * Nothing was restored." },
        { "cut-off", "error: The backup is cut off * Nothing was restored." },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Restore_BadBackupOrKey_RefusedInOneLineAndNothingWritten(string fault, string expected)
    {
        using var offline = new CliProcess(new Uri("http://127.0.0.1:1"));
        var backup = fault == "wrong-passphrase" ? PassphraseBackup : KekBackup;
        var kek = KekKeptApart;
        if (fault is "flipped-byte" or "cut-off")
        {
            var bytes = await File.ReadAllBytesAsync(KekBackup);
            if (fault == "flipped-byte")
                bytes[bytes.Length / 2] ^= 0x20;
            else
                bytes = bytes[..(bytes.Length - 100)];
            backup = Path.Combine(_work, fault + ".rabackup");
            await File.WriteAllBytesAsync(backup, bytes);
        }
        if (fault == "wrong-kek")
        {
            kek = Path.Combine(_work, "other-kek.key");
            using var other = KeyEncryptionKey.Create();
            other.WriteTo(kek);
        }
        string[] args = fault switch
        {
            "wrong-passphrase" => ["admin", "restore", backup, "--data", Data, "--passphrase-stdin"],
            "no-kek" => ["admin", "restore", backup, "--data", Data],
            _ => ["admin", "restore", backup, "--data", Data, "--kek-file", kek],
        };
        var before = Directory.GetFileSystemEntries(_work).Order().ToArray();

        var result = await offline.RunWithInputAsync("not the drill passphrase\n", args);

        result.ExitCode.Should().Be(1, result.ToString());
        result.Error.TrimEnd('\n').Should().Match(expected).And.NotContain("\n");
        Directory.Exists(Data).Should().BeFalse();
        Directory.GetFileSystemEntries(_work).Order().Should().Equal(before, "no work directory is left beside the data directory");
    }

    [Fact]
    public async Task Restore_DirectoryNotEmpty_Refused()
    {
        Directory.CreateDirectory(Data);
        await File.WriteAllTextAsync(Path.Combine(Data, "something"), "kept");
        using var offline = new CliProcess(new Uri("http://127.0.0.1:1"));

        var result = await offline.RunAsync("admin", "restore", KekBackup, "--data", Data, "--kek-file", KekKeptApart);

        result.ExitCode.Should().Be(1);
        result.Error.Should().Contain("is not empty");
        Directory.GetFileSystemEntries(Data).Should().ContainSingle();
    }

    private static Task<HttpClient> SignInAsync(TestAppliance appliance, string user) => appliance.SignInAsync(user, TestAppliance.Password);
}
