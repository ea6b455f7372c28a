using System.Security.Cryptography;
using System.Text.Json;

namespace RecoveryAssist.Cli.Tests.Remote;

/// <summary>
/// Accounts and tokens from the command line (a separate process) against the real appliance:
/// first-run passwd then login, user administration, own API tokens, and re-pinning a host key.
/// </summary>
public sealed class UserCommandsTests : IAsyncLifetime
{
    private TestAppliance _appliance = null!;
    private CliProcess _admin = null!;

    public async Task InitializeAsync()
    {
        _appliance = await TestAppliance.StartAsync();
        _admin = new CliProcess(_appliance.Address, _appliance.CreateToken("admin", userName: "admin-cli"));
    }

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        await _appliance.DisposeAsync();
    }

    /// <summary>`user add` as the admin, then the new user's own first run: passwd --user with the one-time password, then login.</summary>
    private async Task<(CliProcess Cli, string Password)> NewSignedInUserAsync(string name, string role)
    {
        var added = await _admin.RunAsync("user", "add", name, "--role", role);
        added.ExitCode.Should().Be(0, added.ToString());
        var oneTime = added.Json.GetProperty("oneTimePassword").GetString()!;
        var cli = new CliProcess(_appliance.Address);
        var password = $"{name} password 123";
        var passwd = await cli.RunWithInputAsync($"{oneTime}\n{password}\n{password}\n", "passwd", "--user", name);
        passwd.ExitCode.Should().Be(0, passwd.ToString());
        passwd.Output.Should().Contain($"recoveryassist login --user {name}");
        var login = await cli.RunWithInputAsync(password + "\n", "login", "--user", name);
        login.ExitCode.Should().Be(0, login.ToString());
        return (cli, password);
    }

    [Fact]
    public async Task UserAdd_FirstRunPasswdThenLogin_SignedIn()
    {
        var (cli, _) = await NewSignedInUserAsync("tech-first", "technician");
        using var _ = cli;

        var list = await cli.RunAsync("host", "list");

        list.ExitCode.Should().Be(0, list.ToString());
    }

    [Fact]
    public async Task UserAdd_LoginWithOneTimePassword_RefusedUntilChanged()
    {
        var added = await _admin.RunAsync("user", "add", "tech-otp", "--role", "technician");
        using var cli = new CliProcess(_appliance.Address);

        var login = await cli.RunWithInputAsync(added.Json.GetProperty("oneTimePassword").GetString() + "\n", "login", "--user", "tech-otp");

        login.ExitCode.Should().NotBe(0);
        login.Error.Should().Contain("one-time password");
    }

    [Fact]
    public async Task Passwd_NotSignedInWithoutUser_ExitOneSaysToNameTheUser()
    {
        using var cli = new CliProcess(_appliance.Address);

        var passwd = await cli.RunWithInputAsync("a\nb\nb\n", "passwd");

        passwd.ExitCode.Should().Be(1, passwd.ToString());
        passwd.Error.Should().Contain("recoveryassist passwd --user");
    }

    [Fact]
    public async Task Passwd_SignedInWithoutUser_ChangesOwnPassword()
    {
        var (cli, password) = await NewSignedInUserAsync("tech-own", "technician");
        using var _ = cli;

        var passwd = await cli.RunWithInputAsync($"{password}\nanother password 456\nanother password 456\n", "passwd");
        using var fresh = new CliProcess(_appliance.Address);
        var login = await fresh.RunWithInputAsync("another password 456\n", "login", "--user", "tech-own");

        passwd.ExitCode.Should().Be(0, passwd.ToString());
        login.ExitCode.Should().Be(0, login.ToString());
    }

    [Fact]
    public async Task UserAdd_UnknownRole_ExitOneListsTheRoles()
    {
        var added = await _admin.RunAsync("user", "add", "someone", "--role", "superuser");

        added.ExitCode.Should().Be(1, added.ToString());
        added.Error.Should().Contain("admin, technician, operator, automation or auditor");
    }

    [Fact]
    public async Task UserRoleDisableEnable_ListedAndAudited_DisabledCannotSignIn()
    {
        var (cli, password) = await NewSignedInUserAsync("tech-role", "technician");
        using var _ = cli;

        var role = await _admin.RunAsync("user", "role", "tech-role", "auditor");
        var disable = await _admin.RunAsync("user", "disable", "tech-role");
        var listed = await _admin.RunAsync("user", "list");
        using var fresh = new CliProcess(_appliance.Address);
        var refused = await fresh.RunWithInputAsync(password + "\n", "login", "--user", "tech-role");
        var tokenRefused = await cli.RunAsync("host", "list");
        var enable = await _admin.RunAsync("user", "enable", "tech-role");
        var login = await fresh.RunWithInputAsync(password + "\n", "login", "--user", "tech-role");

        role.ExitCode.Should().Be(0, role.ToString());
        role.Json.GetProperty("role").GetString().Should().Be("Auditor");
        disable.ExitCode.Should().Be(0, disable.ToString());
        var entry = listed.Json.EnumerateArray().Single(u => u.GetProperty("userName").GetString() == "tech-role");
        entry.GetProperty("locked").GetBoolean().Should().BeTrue();
        entry.GetProperty("role").GetString().Should().Be("Auditor");
        refused.ExitCode.Should().NotBe(0, "a disabled user cannot sign in");
        tokenRefused.ExitCode.Should().Be(2, "a disabled user's tokens stop working");
        enable.ExitCode.Should().Be(0, enable.ToString());
        login.ExitCode.Should().Be(0, login.ToString());
        var audit = await _appliance.WithToken("auditor").GetStringAsync("/api/audit?target=user:tech-role");
        audit.Should().Contain("user.role-changed").And.Contain("user.locked").And.Contain("user.unlocked");
    }

    [Fact]
    public async Task UserDisableOrDemote_LastEnabledAdmin_RefusedWithTheFix()
    {
        (await _admin.RunAsync("user", "disable", "admin")).ExitCode.Should().Be(0, "another admin (admin-cli) remains");

        var disable = await _admin.RunAsync("user", "disable", "admin-cli");
        var demote = await _admin.RunAsync("user", "role", "admin-cli", "technician");

        disable.ExitCode.Should().Be(2, disable.ToString());
        disable.Error.Should().Contain("last enabled admin");
        demote.ExitCode.Should().Be(2, demote.ToString());
        demote.Error.Should().Contain("last enabled admin");
    }

    [Fact]
    public async Task UserResetPasswordAndUnlock_NewOneTimePasswordWorksOnce()
    {
        var (cli, password) = await NewSignedInUserAsync("tech-reset", "technician");
        using var _ = cli;
        using var person = _appliance.Cli();

        var unlock = await _admin.RunAsync("user", "unlock", "tech-reset");
        var reset = await _admin.RunAsync("user", "reset-password", "tech-reset");
        var oneTime = reset.Json.GetProperty("oneTimePassword").GetString()!;
        var oldRefused = await person.RunWithInputAsync(password + "\n", "login", "--user", "tech-reset");
        var passwd = await person.RunWithInputAsync($"{oneTime}\nreset password 789\nreset password 789\n", "passwd", "--user", "tech-reset");
        var login = await person.RunWithInputAsync("reset password 789\n", "login", "--user", "tech-reset");

        unlock.ExitCode.Should().Be(0, unlock.ToString());
        reset.ExitCode.Should().Be(0, reset.ToString());
        oldRefused.ExitCode.Should().NotBe(0, "the old password no longer works");
        passwd.ExitCode.Should().Be(0, passwd.ToString());
        login.ExitCode.Should().Be(0, login.ToString());
    }

    [Fact]
    public async Task TokenCreateListRevoke_OwnToken_WorksUntilRevoked()
    {
        var (cli, _) = await NewSignedInUserAsync("auto-1", "automation");
        using var _ = cli;

        var created = await cli.RunAsync("token", "create", "nightly-import", "--expires-days", "30");
        var token = created.Json.GetProperty("token").GetString()!;
        using var automation = new CliProcess(_appliance.Address, token);
        var used = await automation.RunAsync("host", "list");
        var listed = await cli.RunAsync("token", "list");
        var revoked = await cli.RunAsync("token", "revoke", created.Json.GetProperty("id").GetString()!);
        var afterRevoke = await automation.RunAsync("host", "list");

        created.ExitCode.Should().Be(0, created.ToString());
        used.ExitCode.Should().Be(0, used.ToString());
        listed.Output.Should().Contain("nightly-import").And.NotContain(token, "a token is shown once, never listed");
        revoked.ExitCode.Should().Be(0, revoked.ToString());
        afterRevoke.ExitCode.Should().Be(2, afterRevoke.ToString());
        afterRevoke.Error.Should().Contain("recoveryassist login");
    }

    [Fact]
    public async Task TokenCreate_NarrowedTokenAskingForMore_ExitOneNamesTheScope()
    {
        var (cli, _) = await NewSignedInUserAsync("auto-2", "automation");
        using var _ = cli;
        var narrow = await cli.RunAsync("token", "create", "read-only", "--scope", "hosts:read");
        using var readOnly = new CliProcess(_appliance.Address, narrow.Json.GetProperty("token").GetString());

        var wider = await readOnly.RunAsync("token", "create", "wider", "--scope", "keys:import");
        var notHeld = await cli.RunAsync("token", "create", "admin-ish", "--scope", "users:manage");

        narrow.ExitCode.Should().Be(0, narrow.ToString());
        narrow.Json.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()).Should().Equal("hosts:read");
        wider.ExitCode.Should().Be(1, wider.ToString());
        wider.Error.Should().Contain("keys:import");
        notHeld.ExitCode.Should().Be(1, notHeld.ToString());
    }

    [Fact]
    public async Task TokenRevoke_SomeoneElsesToken_NotFound()
    {
        var (cli, _) = await NewSignedInUserAsync("auto-3", "automation");
        using var _ = cli;
        var others = await _admin.RunAsync("token", "create", "admin-token");

        var revoke = await cli.RunAsync("token", "revoke", others.Json.GetProperty("id").GetString()!);

        revoke.ExitCode.Should().Be(2, revoke.ToString());
        revoke.Error.Should().Contain("not found");
    }

    [Fact]
    public async Task HostRepin_Fingerprint_PinnedAndCleared()
    {
        (await _admin.RunAsync("host", "add", "esx-pin.lab")).ExitCode.Should().Be(0);
        (await _admin.RunWithInputAsync("root password\n", "host", "ssh", "esx-pin.lab", "--address", "127.0.0.1")).ExitCode.Should().Be(0);
        var fingerprint = "SHA256:" + Convert.ToBase64String(SHA256.HashData("a host key"u8)).TrimEnd('=');

        var pinned = await _admin.RunAsync("host", "repin", "esx-pin.lab", "--fingerprint", fingerprint);
        var cleared = await _admin.RunAsync("host", "repin", "esx-pin.lab");
        var bad = await _admin.RunAsync("host", "repin", "esx-pin.lab", "--fingerprint", "MD5:00");

        pinned.ExitCode.Should().Be(0, pinned.ToString());
        pinned.Json.GetProperty("pinnedFingerprint").GetString().Should().Be(fingerprint[7..]);
        cleared.Json.GetProperty("pinnedFingerprint").ValueKind.Should().Be(JsonValueKind.Null);
        bad.ExitCode.Should().Be(1, bad.ToString());
        bad.Error.Should().Contain("fingerprint");
    }

    [Fact]
    public async Task HostRepin_Technician_RefusedAsNotAllowed()
    {
        (await _admin.RunAsync("host", "add", "esx-pin2.lab")).ExitCode.Should().Be(0);
        using var tech = new CliProcess(_appliance.Address, _appliance.CreateToken("technician"));

        var repin = await tech.RunAsync("host", "repin", "esx-pin2.lab");

        repin.ExitCode.Should().Be(2, repin.ToString());
        repin.Error.Should().Contain("does not allow");
    }
}
