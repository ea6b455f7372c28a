using System.Text.Json;

namespace RecoveryAssist.Cli.Tests.Offline;

public class ParseCommandsTests
{
    [Fact]
    public async Task RecoveryList_File_JsonWithRedactedKey()
    {
        var (exitCode, output, _) = await CliRunner.RunAsync(null, "parse", "recovery-list", CliRunner.Fixture("esxcli/recovery-list-table-published.txt"));

        exitCode.Should().Be(0);
        var rows = JsonDocument.Parse(output).RootElement.EnumerateArray().ToList();
        rows.Should().ContainSingle();
        rows[0].GetProperty("recoveryId").GetString().Should().Be("{2DDD5424-7F3F-406A-8DA8-D62630F6C8BC}");
        rows[0].GetProperty("key").GetString().Should().Be("[redacted]");
        output.Should().NotContain("478269");
    }

    [Fact]
    public async Task RecoveryList_StdinWithShowKey_PrintsKey()
    {
        var input = File.ReadAllText(CliRunner.Fixture("esxcli/recovery-list.xml"));

        var (exitCode, output, _) = await CliRunner.RunAsync(input, "parse", "recovery-list", "--show-key");

        exitCode.Should().Be(0);
        JsonDocument.Parse(output).RootElement[0].GetProperty("key").GetString().Should().StartWith("091168-292953-");
    }

    [Fact]
    public async Task RecoveryList_Garbage_ExitsOneWithLine()
    {
        var (exitCode, output, error) = await CliRunner.RunAsync("Recovery ID  Key\n---  ---\nnonsense\n", "parse", "recovery-list");

        exitCode.Should().Be(1);
        output.Should().BeEmpty();
        error.Should().StartWith("error: line 3:");
    }

    [Fact]
    public async Task EncryptionGet_Text_Json()
    {
        var (exitCode, output, _) = await CliRunner.RunAsync(null, "parse", "encryption-get", CliRunner.Fixture("esxcli/encryption-get.txt"));

        exitCode.Should().Be(0);
        var json = JsonDocument.Parse(output).RootElement;
        json.GetProperty("mode").GetString().Should().Be("TPM");
        json.GetProperty("requireSecureBoot").GetBoolean().Should().BeTrue();
        json.GetProperty("requireExecutablesOnlyFromInstalledVibs").GetBoolean().Should().BeFalse();
    }

    [Fact]
    public async Task Parse_MissingFile_ExitsTwoWithMessage()
    {
        var (exitCode, _, error) = await CliRunner.RunAsync(null, "parse", "encryption-get", "/nonexistent/file.txt");

        exitCode.Should().Be(2);
        error.Should().StartWith("error:").And.Contain("/nonexistent/file.txt");
    }
}
