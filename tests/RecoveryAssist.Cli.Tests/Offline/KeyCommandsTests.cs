namespace RecoveryAssist.Cli.Tests.Offline;

public class KeyCommandsTests
{
    private const string Sample = "478269-039194-473926-430939-686855-231401-642208-184477-602511-225586-551660-586542-338394-092578-687140-267425";

    [Fact]
    public async Task Check_ValidKeyOnStdin_ExitsZero()
    {
        var (exitCode, output, error) = await CliRunner.RunAsync(Sample + "\n", "key", "check");

        exitCode.Should().Be(0);
        output.Should().StartWith("valid");
        error.Should().BeEmpty();
    }

    [Theory]
    [InlineData(Sample, false)]
    [InlineData("encryptionRecoveryKey=" + Sample, false)]
    [InlineData(" encryptionRecoveryKey=" + Sample, false)]
    [InlineData(" encryptionRecoveryKey=" + Sample, true)]
    public async Task Check_ConsoleForms_ExitsZero(string text, bool asArgument)
    {
        var (exitCode, output, error) = asArgument
            ? await CliRunner.RunAsync(null, "key", "check", text)
            : await CliRunner.RunAsync(text + "\n", "key", "check");

        exitCode.Should().Be(0, error);
        output.Should().StartWith("valid");
    }

    [Fact]
    public async Task Check_TextToTypeWithMistypedGroup_NamesTheGroupNotTheOptionName()
    {
        var (exitCode, _, error) = await CliRunner.RunAsync(" encryptionRecoveryKey=" + Sample.Replace("338394", "338349", StringComparison.Ordinal) + "\n", "key", "check");

        exitCode.Should().Be(1);
        error.Should().StartWith("group 13: ");
    }

    [Fact]
    public async Task Check_MistypedGroup_ExitsOneAndNamesGroup()
    {
        var (exitCode, output, error) = await CliRunner.RunAsync(null, "key", "check", Sample.Replace("338394", "338349", StringComparison.Ordinal));

        exitCode.Should().Be(1);
        output.Should().BeEmpty();
        error.Should().Be("group 13: check digit does not match (mistyped, or groups swapped?)" + Environment.NewLine);
    }

    [Fact]
    public async Task Check_TwoFaultyGroups_OneLineEach()
    {
        var typo = Sample.Replace("039194", "039195", StringComparison.Ordinal).Replace("267425", "267426", StringComparison.Ordinal);

        var (exitCode, _, error) = await CliRunner.RunAsync(typo, "key", "check");

        exitCode.Should().Be(1);
        error.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries).Should().HaveCount(2)
            .And.Satisfy(l => l.StartsWith("group 2:", StringComparison.Ordinal), l => l.StartsWith("group 16:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Check_WarnMode_AcceptsAndWarns()
    {
        var (exitCode, output, error) = await CliRunner.RunAsync(Sample.Replace("338394", "338349", StringComparison.Ordinal), "key", "check", "--group-check", "Warn");

        exitCode.Should().Be(0);
        output.Should().StartWith("accepted");
        error.Should().StartWith("warning: group 13:");
    }

    [Fact]
    public async Task Generate_Twice_TwoDifferentValidKeys()
    {
        var first = (await CliRunner.RunAsync(null, "key", "generate")).Output.Trim();
        var second = (await CliRunner.RunAsync(null, "key", "generate")).Output.Trim();

        first.Should().NotBe(second);
        (await CliRunner.RunAsync(first, "key", "check")).ExitCode.Should().Be(0);
    }
}
