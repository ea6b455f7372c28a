using RecoveryAssist.Core.Keys;
using RecoveryAssist.Server.Features.Recovery;

namespace RecoveryAssist.Server.Tests.Features.Recovery;

public sealed class EntryCheckTests
{
    private const string KeyText = "478269-039194-473926-430939-686855-231401-642208-184477-602511-225586-551660-586542-338394-092578-687140-267425";
    private static readonly RecoveryKey Key = RecoveryKey.Parse(KeyText);

    [Theory]
    [InlineData(KeyText)]
    [InlineData(" encryptionRecoveryKey=" + KeyText)]
    [InlineData("runweasel cdromBoot encryptionRecoveryKey=" + KeyText + "\r\n")]
    public void Compare_RightKeyInAnyForm_Matches(string typed)
    {
        var result = EntryCheck.Compare(Key, typed);

        result.Matches.Should().BeTrue();
        result.Groups.Should().OnlyContain(g => g.Status == GroupStatus.Ok);
        result.Summary().Should().Be("entry matches the escrowed key");
    }

    [Fact]
    public void Compare_OneDigitMistyped_NamesGroupAsFailingCheckWithoutDigits()
    {
        var typed = KeyText.Replace("686855", "686885", StringComparison.Ordinal);

        var result = EntryCheck.Compare(Key, typed);

        result.Matches.Should().BeFalse();
        result.Groups.Where(g => g.Status != GroupStatus.Ok).Should().ContainSingle()
            .Which.Should().Be(new GroupResult(5, GroupStatus.FailsCheck, "fails the group check: a digit is mistyped, or groups are swapped"));
        result.ToString().Should().NotContain("686855");
        result.Summary().Should().Be("entry does not match: groups 5 fail the group check");
    }

    [Fact]
    public void Compare_GroupFromAnotherKey_DiffersButPassesCheck()
    {
        // 473937 = 43085 * 11 + 2: a valid third group, but not this key's 473926.
        var result = EntryCheck.Compare(Key, KeyText.Replace("473926", "473937", StringComparison.Ordinal));

        result.Groups.Where(g => g.Status != GroupStatus.Ok).Should().ContainSingle()
            .Which.Should().Be(new GroupResult(3, GroupStatus.Differs, "is not the escrowed group"));
    }

    [Fact]
    public void Compare_TwoGroupsSwapped_BothFailCheck()
    {
        var groups = Key.RevealGroups().ToArray();
        (groups[9], groups[10]) = (groups[10], groups[9]);

        var result = EntryCheck.Compare(Key, string.Join('-', groups));

        result.Groups.Where(g => g.Status == GroupStatus.FailsCheck).Select(g => g.Number).Should().Equal(10, 11);
    }

    [Fact]
    public void Compare_Truncated_LaterGroupsMissing()
    {
        var result = EntryCheck.Compare(Key, string.Join('-', Key.RevealGroups().Take(12)));

        result.Groups.Where(g => g.Status == GroupStatus.Missing).Select(g => g.Number).Should().Equal(13, 14, 15, 16);
        result.Summary().Should().Contain("groups 13, 14, 15, 16 are missing");
    }

    [Theory]
    [InlineData("47826", "has 5 digits, expected 6")]
    [InlineData("47826x", "holds a character that is not a digit")]
    public void Compare_MalformedGroup_SaysWhatIsWrong(string group, string problem)
    {
        var result = EntryCheck.Compare(Key, group + KeyText[6..]);

        result.Groups[0].Should().Be(new GroupResult(1, GroupStatus.Malformed, problem));
    }

    [Fact]
    public void Compare_ExtraGroup_Reported()
    {
        var result = EntryCheck.Compare(Key, KeyText + "-123456");

        result.Matches.Should().BeFalse();
        result.Problems.Should().ContainSingle().Which.Should().Contain("17 groups");
    }

    [Fact]
    public void Compare_MoreOptionsAfterKey_Reported()
    {
        var result = EntryCheck.Compare(Key, "encryptionRecoveryKey=" + KeyText + " noIOMMU");

        result.Matches.Should().BeFalse();
        result.Groups.Should().OnlyContain(g => g.Status == GroupStatus.Ok);
        result.Problems.Should().ContainSingle().Which.Should().Contain("more text after the key");
    }

    [Fact]
    public void Compare_Empty_AllMissing()
    {
        EntryCheck.Compare(Key, "").Groups.Should().OnlyContain(g => g.Status == GroupStatus.Missing);
    }
}
