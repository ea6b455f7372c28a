using RecoveryAssist.Server.Features.HostOps;

namespace RecoveryAssist.Server.Tests.Features.HostOps;

public sealed class SaveJudgeTests
{
    public static TheoryData<string, string> Outputs => new()
    {
        { "", nameof(SaveOutput.NothingToSave) },
        { "Saving current state in /bootbank\n", nameof(SaveOutput.Saved) },
        { "Saving current state in /bootbank\nClock updated.\nTime: 08:51:07   Date: 03/18/2021   UTC\n", nameof(SaveOutput.Saved) },
        { "ConfigStore: exporting configuration\nConfigStore: export complete\nSaving current state in /bootbank\nClock updated.\nTime: 08:51:07   Date: 03/18/2021   UTC\n", nameof(SaveOutput.Saved) },
        { "Bootbank cannot be found at path '/bootbank'\n", nameof(SaveOutput.Failed) },
        { "Saving current state in /bootbank\nError: lock\n", nameof(SaveOutput.Failed) },
        { "Saving current st^%$ [garbled]\n", nameof(SaveOutput.Failed) },
        { "Saving current state in /bootbank\nClock updated.\n", nameof(SaveOutput.Failed) },
        { "Saving current state in /bootbank\nsomething else\n", nameof(SaveOutput.Failed) },
    };

    [Theory]
    [MemberData(nameof(Outputs))]
    public void JudgeOutput_KnownShapes_JudgedByShapeNotExitCode(string output, string expectedName)
    {
        var expected = Enum.Parse<SaveOutput>(expectedName);
        var (judged, problem) = SaveJudge.JudgeOutput(output);

        judged.Should().Be(expected);
        (problem is null).Should().Be(expected != SaveOutput.Failed);
    }

    [Fact]
    public void JudgeOutput_ErrorLine_NamesIt()
    {
        SaveJudge.JudgeOutput("Bootbank cannot be found at path '/bootbank'\n").Problem
            .Should().Be("auto-backup.sh reported an error: 'Bootbank cannot be found at path '/bootbank''");
    }

    [Theory]
    //                     output                    before  after  change  changedAfter  expected
    [InlineData("Saved",          100L, 101L, false, null, "Confirmed")]
    [InlineData("Saved",          100L, 100L, false, null, "Failed")]
    [InlineData("NothingToSave",  100L, 100L, false, null, "Confirmed")]
    [InlineData("Saved",          100L, 101L, true,  100L, "Confirmed")]
    [InlineData("Saved",          101L, 101L, true,  100L, "Confirmed")]
    [InlineData("Saved",          100L, 100L, true,  100L, "Failed")]
    [InlineData("NothingToSave",  101L, 101L, true,  100L, "Confirmed")]
    [InlineData("NothingToSave",  100L, 100L, true,  100L, "Failed")]
    [InlineData("NothingToSave",  100L, 100L, true,  null, "CouldNotConfirm")]
    [InlineData("Saved",          null, null, true,  100L, "CouldNotConfirm")]
    [InlineData("Saved",          null, null, false, null, "CouldNotConfirm")]
    [InlineData("Failed",         100L, 101L, true,  100L, "Failed")]
    public void Confirm_StateTgzTime_NewerThanTheChange(string outputName, long? before, long? after, bool followsChange, long? changedAfter, string expected)
    {
        var output = Enum.Parse<SaveOutput>(outputName);
        SaveJudge.Confirm(output, output == SaveOutput.Failed ? "failed" : null, before, after, followsChange, changedAfter).Kind.ToString().Should().Be(expected);
    }

    [Theory]
    [InlineData("1765012514\n", true, 1765012514L)]
    [InlineData("-rwx------    1 root     root        181323 2025-12-06 09:15:14.000000000 +0000 /bootbank/state.tgz\n", false, 1765012514L)]
    [InlineData("-rwx------    1 root     root        181323 2025-12-06 10:15:14 +0100 /bootbank/state.tgz\n", false, 1765012514L)]
    [InlineData("-rwx------    1 root     root        181323 2025-12-06 09:15:14 /bootbank/state.tgz\n", false, 1765012514L)]
    [InlineData("-rwx------    1 root     root        181323 Sat Dec  6 09:15:14 2025 /bootbank/state.tgz\n", false, 1765012514L)]
    [InlineData("stat: can't stat\n", true, null)]
    [InlineData("-rwx------ 1 root root 181323 Dec  6 09:15 /bootbank/state.tgz\n", false, null)]
    public void ParseModified_StatAndLsShapes_EpochSeconds(string output, bool fromStat, long? expected)
    {
        SaveJudge.ParseModified(output, fromStat).Should().Be(expected);
    }
}
