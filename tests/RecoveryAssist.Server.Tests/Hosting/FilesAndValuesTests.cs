using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RecoveryAssist.Server.Hosting;

namespace RecoveryAssist.Server.Tests.Hosting;

/// <summary>Finding 10 of issue 13: modes of the data directory, the one-time password, bounds on free text.</summary>
public sealed class FilesAndValuesTests : IAsyncLifetime
{
    private TestAppliance _appliance = null!;

    public async Task InitializeAsync() => _appliance = await TestAppliance.StartAsync();

    public async Task DisposeAsync() => await _appliance.DisposeAsync();

    [Fact]
    public async Task DataDirectory_AfterStartAndSignIn_Directory0700EveryFile0600()
    {
        await _appliance.SignedInAsync("technician");
        await _appliance.StopAsync();

        File.GetUnixFileMode(_appliance.DataDirectory).Should().Be(PrivateFiles.PrivateDirectoryMode);
        var entries = new DirectoryInfo(_appliance.DataDirectory).EnumerateFileSystemInfos("*", SearchOption.AllDirectories).ToList();
        entries.Should().Contain(e => e.Name == "recoveryassist.db").And.Contain(e => e.Name == "kek.key").And.Contain(e => e.FullName.Contains(AppHost.CookieKeysDirectory) && e.Extension == ".xml");
        entries.Where(e => e.UnixFileMode != (e is DirectoryInfo ? PrivateFiles.PrivateDirectoryMode : PrivateFiles.PrivateFileMode))
            .Select(e => $"{e.FullName} {e.UnixFileMode}").Should().BeEmpty();
    }

    [Fact]
    public async Task FirstRun_OneTimePassword_InA0600FileNeverOnTheConsole_DeletedWhenChanged()
    {
        var file = Bootstrap.OneTimePasswordFile(_appliance.DataDirectory);
        var password = (await File.ReadAllTextAsync(file)).Trim();

        File.GetUnixFileMode(file).Should().Be(PrivateFiles.PrivateFileMode);
        _appliance.Console.ToString().Should().Contain(file).And.NotContain(password);
        var client = await _appliance.SignInAsync(Bootstrap.AdminUserName, password);
        (await client.PostAsJsonAsync("/api/auth/password", new { currentPassword = password, newPassword = TestAppliance.Password })).StatusCode.Should().Be(HttpStatusCode.NoContent);
        File.Exists(file).Should().BeFalse();
    }

    [Theory]
    [InlineData("serial", "SN-1\n<script>alert(1)</script>", "serial: control characters")]
    [InlineData("kernelOpt", null, "kernelOpt: at most 4096 characters")]
    [InlineData("tags", "rack-7\r\nX-Injected: 1", "tags[0]: control characters")]
    [InlineData("esxiBuild", "\u001b[31m", "esxiBuild: control characters")]
    public async Task CreateHost_FreeTextOutOfBounds_400NamingTheFieldNothingStored(string field, string? value, string expected)
    {
        var admin = await _appliance.SignedInAsync("admin");
        var name = "bounds-" + field.ToLowerInvariant() + ".lab";
        object body = field switch
        {
            "serial" => new { name, serial = value },
            "kernelOpt" => new { name, kernelOpt = new string('a', 7 * 1024 * 1024) },
            "tags" => new { name, tags = new[] { value } },
            _ => new { name, esxiBuild = value },
        };

        var response = await admin.PostAsJsonAsync("/api/hosts", body);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString().Should().Contain(expected);
        (await admin.GetFromJsonAsync<JsonElement>("/api/hosts/")).EnumerateArray().Should().NotContain(h => h.GetProperty("name").GetString() == name);
    }

    [Theory]
    [InlineData("ticket", "INC-1\nforged line", "ticket")]
    [InlineData("ticket", null, "ticket")]
    public async Task OpenSession_TicketOutOfBounds_400NamingTheField(string field, string? ticket, string expected)
    {
        var tech = await _appliance.SignedInAsync("technician");
        ticket ??= new string('T', 129);

        var response = await tech.PostAsJsonAsync("/api/sessions", new { host = "nowhere.lab", reason = "motherboard-replaced", ticket });

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest, field);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString().Should().Contain(expected + ":");
    }

    [Theory]
    [InlineData("ok", null)]
    [InlineData("", "required")]
    [InlineData("a\tb", "control characters")]
    [InlineData("abcdef", "at most 5 characters")]
    public void Describe_Values_SaysWhatIsWrong(string value, string? expected)
    {
        var problem = TextField.Describe(value, 5);

        if (expected is null)
            problem.Should().BeNull();
        else
            problem.Should().Contain(expected);
    }
}
