using System.Text.Json;
using RecoveryAssist.Core.Keys;

namespace RecoveryAssist.Cli.Tests.Remote;

/// <summary>
/// The command line as a separate process against the real appliance (in-process on Kestrel, LiteDB on disk):
/// what automation and technicians run, with their exit codes and their errors.
/// </summary>
public sealed class RemoteCommandsTests : IAsyncLifetime
{
    private TestAppliance _appliance = null!;
    private CliProcess _admin = null!;

    public async Task InitializeAsync()
    {
        _appliance = await TestAppliance.StartAsync();
        _admin = As("admin");
    }

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        await _appliance.DisposeAsync();
    }

    private CliProcess As(string role, string? userName = null) => _appliance.Cli(_appliance.CreateToken(role, userName: userName, interactive: true));

    [Fact]
    public async Task Login_PasswordOnStdin_TokenKeptForOwnerOnlyAndUsedByLaterCommands()
    {
        _appliance.CreateUser("tech-login", "Technician");
        using var cli = new CliProcess(_appliance.Address);

        var login = await cli.RunWithInputAsync(TestAppliance.Password + "\n", "login", "--user", "tech-login");

        login.ExitCode.Should().Be(0, login.ToString());
        File.Exists(cli.TokenFile).Should().BeTrue();
        File.GetUnixFileMode(cli.TokenFile).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        login.Output.Should().NotContain(File.ReadAllText(cli.TokenFile).Trim(), "the token is kept, never printed");
        var list = await cli.RunAsync("host", "list");
        list.ExitCode.Should().Be(0, list.ToString());
        list.Json.ValueKind.Should().Be(JsonValueKind.Array);
    }

    [Fact]
    public async Task Https_FirstContact_PinsTheFingerprint_ThenAChangedCertificateIsRefused()
    {
        _appliance.CreateUser("tech-pin", "Technician");
        using var cli = new CliProcess(_appliance.Address);

        var login = await cli.RunWithInputAsync(TestAppliance.Password + "\n", "login", "--user", "tech-pin");

        login.ExitCode.Should().Be(0, login.ToString());
        login.Error.Should().Contain("pinned the certificate").And.Contain(_appliance.CertificateFingerprint!);
        File.ReadAllText(cli.KnownServersFile).Should().Be($"{_appliance.Address.Authority} {_appliance.CertificateFingerprint}\n");
        (await cli.RunAsync("host", "list")).ExitCode.Should().Be(0);

        File.WriteAllText(cli.KnownServersFile, $"{_appliance.Address.Authority} AA:BB:CC\n");
        var list = await cli.RunAsync("host", "list");

        list.ExitCode.Should().Be(2);
        list.Error.Should().Contain("AA:BB:CC was pinned on first contact").And.Contain(_appliance.CertificateFingerprint!).And.Contain(cli.KnownServersFile);
    }

    [Fact]
    public async Task Https_CaFile_TrustedWithoutPinning_OtherCaRefused()
    {
        using var trusted = _appliance.Cli(_appliance.CreateToken("auditor"));
        (await trusted.RunAsync("host", "list")).ExitCode.Should().Be(0);
        File.Exists(trusted.KnownServersFile).Should().BeFalse();

        var otherCa = Path.Combine(trusted.Home, "other.pem");
        using (var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256))
        using (var other = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=other", key, System.Security.Cryptography.HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1)))
            File.WriteAllText(otherCa, other.ExportCertificatePem());
        using var refusing = new CliProcess(_appliance.Address, _appliance.CreateToken("auditor"), otherCa);

        var list = await refusing.RunAsync("host", "list");

        list.ExitCode.Should().Be(2);
        list.Error.Should().Contain("does not chain to the CA in " + otherCa);
    }

    [Fact]
    public async Task Login_WrongPassword_RefusedAndNoTokenKept()
    {
        _appliance.CreateUser("tech-wrong", "Technician");
        using var cli = _appliance.Cli();

        var login = await cli.RunWithInputAsync("not the password\n", "login", "--user", "tech-wrong");

        login.ExitCode.Should().NotBe(0);
        login.Error.Should().StartWith("error: ");
        login.Error.Should().NotContain("not the password");
        File.Exists(cli.TokenFile).Should().BeFalse();
    }

    [Fact]
    public async Task NoToken_SaysHowToSignIn()
    {
        using var cli = _appliance.Cli();

        var list = await cli.RunAsync("host", "list");

        list.ExitCode.Should().Be(2);
        list.Error.Should().Contain("recoveryassist login");
    }

    [Fact]
    public async Task ApplianceUnreachable_SaysWhereItLooked()
    {
        using var cli = new CliProcess(new Uri($"http://127.0.0.1:{FreePort.Tcp()}"), "some-token");

        var list = await cli.RunAsync("host", "list");

        list.ExitCode.Should().Be(2);
        list.Error.Should().Contain("cannot reach the appliance at http://127.0.0.1:");
        list.Error.Should().NotContain("some-token");
    }

    [Fact]
    public async Task HostAddShowImport_KeyEscrowedAndOnlyMetadataPrinted()
    {
        var added = await _admin.RunAsync("host", "add", "esx01.lab", "--mac", "00:50:56:AA:BB:01", "--serial", "SN-1", "--address", "192.0.2.11", "--tag", "rack-a");
        added.ExitCode.Should().Be(0, added.ToString());
        added.Json.GetProperty("macAddresses")[0].GetString().Should().Be("00:50:56:aa:bb:01");
        var (id, key, output) = EsxcliOutput.NewHostKey();
        var file = Path.Combine(_admin.Home, "recovery-list.txt");
        await File.WriteAllTextAsync(file, output);

        var imported = await _admin.RunAsync("import", file, "--host", "esx01.lab");
        var shown = await _admin.RunAsync("host", "show", "esx01.lab");
        var listed = await _admin.RunAsync("host", "list", "--tag", "rack-a");

        imported.ExitCode.Should().Be(0, imported.ToString());
        imported.Json.GetProperty("outcome").GetString().Should().Be("escrowed");
        shown.ExitCode.Should().Be(0, shown.ToString());
        var version = shown.Json.GetProperty("keys").EnumerateArray().Single();
        version.GetProperty("recoveryId").GetString().Should().Be(id.ToString());
        version.GetProperty("status").GetString().Should().Be("current");
        listed.Json.EnumerateArray().Select(h => h.GetProperty("name").GetString()).Should().Equal("esx01.lab");
        foreach (var printed in new[] { imported, shown, listed })
            printed.Output.Should().NotContain(key.RevealGroups()[0] + "-" + key.RevealGroups()[1], "key material is never printed by escrow commands");
    }

    [Fact]
    public async Task Import_MistypedGroup_ExitOneNamesLineAndGroupAndWritesNothing()
    {
        (await _admin.RunAsync("host", "add", "esx02.lab")).ExitCode.Should().Be(0);
        var (_, key, _) = EsxcliOutput.NewHostKey();
        var groups = key.RevealGroups().ToArray();
        groups[6] = ((int.Parse(groups[6], System.Globalization.CultureInfo.InvariantCulture) + 1) % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
        var typo = "Recovery ID                             Key\n--------------------------------------  ---\n"
            + $"{new RecoveryId(Guid.NewGuid())}  {string.Join('-', groups)}\n";

        var imported = await _admin.RunWithInputAsync(typo, "import", "--host", "esx02.lab");
        var shown = await _admin.RunAsync("host", "show", "esx02.lab");

        imported.ExitCode.Should().Be(1, imported.ToString());
        imported.Error.Should().Contain("line 3").And.Contain("group 7");
        imported.Error.Should().NotContain(groups[6]);
        shown.Json.GetProperty("keys").GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task Import_PowerCliExport_EscrowsEveryHostItNames()
    {
        var imported = await _admin.RunAsync("import", Path.Combine(AppContext.BaseDirectory, "Fixtures", "powercli", "recovery-keys-export.csv"));
        var coverage = await _admin.RunAsync("coverage");

        imported.ExitCode.Should().Be(0, imported.ToString());
        imported.Json.GetProperty("succeeded").GetInt32().Should().Be(2);
        coverage.ExitCode.Should().Be(0, coverage.ToString());
        coverage.Json.GetProperty("withCurrentKey").GetInt32().Should().Be(2);
    }

    [Fact]
    public async Task Coverage_HostWithoutKey_Listed()
    {
        (await _admin.RunAsync("host", "add", "nokey.lab")).ExitCode.Should().Be(0);

        var coverage = await _admin.RunAsync("coverage");

        coverage.ExitCode.Should().Be(0, coverage.ToString());
        coverage.Json.GetProperty("withoutKey").EnumerateArray().Select(h => h.GetProperty("name").GetString()).Should().Contain("nokey.lab");
    }

    [Fact]
    public async Task Operator_AddingAHost_RefusedWithClearReason()
    {
        using var operatorCli = As("operator");

        var added = await operatorCli.RunAsync("host", "add", "sneaky.lab");

        added.ExitCode.Should().Be(2);
        added.Error.Should().Contain("does not allow");
        (await _admin.RunAsync("host", "list")).Json.EnumerateArray().Should().NotContain(h => h.GetProperty("name").GetString() == "sneaky.lab");
    }

    [Fact]
    public async Task Recover_ApprovedBySecondPerson_RevealPrintsTextToType_CheckNamesTheWrongGroup()
    {
        (await _admin.RunAsync("host", "add", "esx03.lab", "--serial", "SN-3", "--kernelopt", "autoPartition=FALSE")).ExitCode.Should().Be(0);
        var (_, key, output) = EsxcliOutput.NewHostKey();
        (await _admin.RunWithInputAsync(output, "import", "--host", "esx03.lab")).ExitCode.Should().Be(0);
        using var techA = As("technician", "tech-a");
        using var techB = As("technician", "tech-b");

        var opened = await techA.RunAsync("recover", "esx03.lab", "--reason", "motherboard-replaced", "--ticket", "CHG-42");
        opened.ExitCode.Should().Be(0, opened.ToString());
        var sessionId = opened.Json.GetProperty("id").GetString()!;
        var selfApproval = await techA.RunAsync("session", "approve", sessionId);
        var approval = await techB.RunAsync("session", "approve", sessionId);
        var revealed = await techA.RunAsync("session", "reveal", sessionId, "--host", "esx03.lab");
        var groups = key.RevealGroups().ToArray();
        groups[11] = groups[11] == "000000" ? "000011" : "000000";
        var check = await techA.RunWithInputAsync(string.Join('-', groups), "session", "check", sessionId);
        var goodCheck = await techA.RunWithInputAsync(key.Reveal(), "session", "check", sessionId);

        selfApproval.ExitCode.Should().NotBe(0, "the requester cannot approve their own session");
        approval.ExitCode.Should().Be(0, approval.ToString());
        revealed.ExitCode.Should().Be(0, revealed.ToString());
        revealed.Output.Should().Contain("\n encryptionRecoveryKey=" + key.Reveal() + "\n");
        revealed.Output.Should().Contain("autoPartition=FALSE encryptionRecoveryKey=" + key.Reveal());
        revealed.Output.Should().Contain("SN-3");
        check.ExitCode.Should().Be(1, check.ToString());
        check.Output.Should().Contain("group 12");
        check.Output.Should().NotContain(key.RevealGroups()[11], "a wrong group is named, never corrected");
        goodCheck.ExitCode.Should().Be(0, goodCheck.ToString());
        goodCheck.Output.Should().Contain("every group matches");
    }

    [Fact]
    public async Task Collect_NeitherHostNorAll_ExitOneSaysWhatToGive()
    {
        var collect = await _admin.RunAsync("collect");

        collect.ExitCode.Should().Be(1);
        collect.Error.Should().Contain("name one HOST, or give --all");
    }

    [Fact]
    public async Task Collect_HostWithoutSshAccess_RefusedWithTheFix()
    {
        (await _admin.RunAsync("host", "add", "nossh.lab")).ExitCode.Should().Be(0);

        var collect = await _admin.RunAsync("collect", "nossh.lab");

        collect.ExitCode.Should().Be(2);
        collect.Error.Should().Contain("has no SSH access");
    }

    [Fact]
    public async Task Job_UnknownId_NotFound_BadId_ExitOne()
    {
        var unknown = await _admin.RunAsync("job", "show", Guid.NewGuid().ToString());
        var bad = await _admin.RunAsync("job", "show", "not-a-guid");
        var list = await _admin.RunAsync("job", "list", "--state", "failed");

        unknown.ExitCode.Should().Be(2, unknown.ToString());
        unknown.Error.Should().Contain("not found");
        bad.ExitCode.Should().NotBe(0);
        list.ExitCode.Should().Be(0, list.ToString());
        list.Json.GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task SessionArmAndDisarm_NoImageRegistered_ArmSaysSo_DisarmOfUnarmedIsNotFound()
    {
        (await _admin.RunAsync("host", "add", "net.lab", "--mac", "52:54:00:aa:10:01")).ExitCode.Should().Be(0);
        var (_, _, output) = EsxcliOutput.NewHostKey();
        (await _admin.RunWithInputAsync(output, "import", "--host", "net.lab")).ExitCode.Should().Be(0);
        using var techA = As("technician", "tech-net-a");
        using var techB = As("technician", "tech-net-b");
        var sessionId = (await techA.RunAsync("recover", "net.lab", "--reason", "tpm-failed", "--ticket", "CHG-7", "--path", "network")).Json.GetProperty("id").GetString()!;
        (await techB.RunAsync("session", "approve", sessionId)).ExitCode.Should().Be(0);

        var arm = await techA.RunAsync("session", "arm", sessionId);
        var disarm = await techA.RunAsync("session", "disarm", sessionId);

        arm.ExitCode.Should().Be(1, arm.ToString());
        arm.Error.Should().Contain("no ESXi image is registered");
        disarm.ExitCode.Should().Be(2, disarm.ToString());
        disarm.Error.Should().Contain("was not found");
    }

    [Fact]
    public async Task ImageUpload_InstallerIso_RegisteredAndListed_BadIdRefused()
    {
        var (iso, _) = await InstallerIso.CreateAsync(_admin.Home, joliet: true);

        var upload = await _admin.RunAsync("image", "upload", "esxi-8.0u2", iso);
        var list = await _admin.RunAsync("image", "list");
        var badId = await _admin.RunAsync("image", "upload", "Bad/Id", iso);

        upload.ExitCode.Should().Be(0, upload.ToString());
        upload.Json.GetProperty("build").GetString().Should().Be("8.0.2-0.0.22380479");
        list.Json.EnumerateArray().Select(i => i.GetProperty("id").GetString()).Should().Equal("esxi-8.0u2");
        badId.ExitCode.Should().NotBe(0);
    }
}
