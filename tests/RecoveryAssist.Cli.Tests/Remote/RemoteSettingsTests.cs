namespace RecoveryAssist.Cli.Tests.Remote;

public sealed class RemoteSettingsTests
{
    [Fact]
    public async Task Server_GivenUrl_UsedForTheRequest()
    {
        // Port 1 on loopback refuses at once: the command got as far as trying the URL it was given.
        var (exitCode, _, error) = await CliRunner.RunAsync(null, "coverage", "--server", "http://127.0.0.1:1/");

        exitCode.Should().Be(2);
        error.Should().StartWith("error: cannot reach the appliance at http://127.0.0.1:1/");
    }

    [Theory]
    [InlineData("ftp://appliance.example/")]
    [InlineData("not a url")]
    public async Task Server_NotHttp_Exit1NamingTheOption(string server)
    {
        var (exitCode, _, error) = await CliRunner.RunAsync(null, "coverage", "--server", server);

        exitCode.Should().Be(1);
        error.Should().Contain("--server: expected an http or https URL");
    }
}
