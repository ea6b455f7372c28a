using RecoveryAssist.Core.Boot;
using RecoveryAssist.Core.Keys;
using RecoveryAssist.Core.Tests.Keys;

namespace RecoveryAssist.Core.Tests.Boot;

public class BootOptionLineTests
{
    private static readonly RecoveryKey Key = RecoveryKey.Parse(RecoveryKeyTests.PublishedSample);
    private const string Option = "encryptionRecoveryKey=" + RecoveryKeyTests.PublishedSample;

    [Theory]
    [InlineData(null, Option)]
    [InlineData("", Option)]
    [InlineData("autoPartition=FALSE", "autoPartition=FALSE " + Option)]
    [InlineData("  autoPartition=FALSE   skipPartitioningSsds=TRUE ", "autoPartition=FALSE skipPartitioningSsds=TRUE " + Option)]
    public void Build_ExistingOptions_TextToTypeIsSpaceThenOption(string? existing, string fullLine)
    {
        var line = BootOptionLine.Build(existing, Key);

        line.TextToType.Should().Be(" " + Option);
        line.FullLine.Should().Be(fullLine);
        line.ReplacedExistingOption.Should().BeFalse();
    }

    [Theory]
    [InlineData("autoPartition=FALSE encryptionRecoveryKey=111111-222222")]
    [InlineData("encryptionrecoverykey:111111 autoPartition=FALSE")]
    public void Build_OptionsAlreadyHoldAKey_ReplacesItNeverDuplicates(string existing)
    {
        var line = BootOptionLine.Build(existing, Key);

        line.FullLine.Should().Be("autoPartition=FALSE " + Option);
        line.ReplacedExistingOption.Should().BeTrue();
    }

    [Theory]
    [InlineData("autoPartition=FALSE\tx", 20)]
    [InlineData("caf\u00e9=1", 4)]
    [InlineData("a\nb", 2)]
    public void Build_NonPrintableOptions_RefusedWithPosition(string existing, int position)
    {
        var act = () => BootOptionLine.Build(existing, Key);

        act.Should().Throw<ArgumentException>().WithMessage($"*position {position}:*");
    }

    [Fact]
    public void Build_Result_IsPrintableAsciiAndRedacted()
    {
        var line = BootOptionLine.Build("autoPartition=FALSE", Key);

        line.FullLine.Should().MatchRegex("^[ -~]+$");
        line.ToString().Should().Be("[redacted]");
    }
}
