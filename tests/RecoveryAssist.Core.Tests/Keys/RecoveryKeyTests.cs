using RecoveryAssist.Core.Keys;

namespace RecoveryAssist.Core.Tests.Keys;

public class RecoveryKeyTests
{
    // The sample published in the vSphere 8.0 Security guide (esxi-reference.md); fixtures only.
    internal const string PublishedSample =
        "478269-039194-473926-430939-686855-231401-642208-184477-602511-225586-551660-586542-338394-092578-687140-267425";

    [Fact]
    public void Parse_PublishedSample_PassesGroupCheck()
    {
        var key = RecoveryKey.Parse(PublishedSample);

        key.PassesGroupCheck.Should().BeTrue();
        key.Reveal().Should().Be(PublishedSample);
    }

    [Theory]
    [InlineData("478269-039194-473926-430939-686855-231401-642208-184477-602511\n-225586-551660-586542-338394-092578-687140-267425")]
    [InlineData("478269-039194-473926-430939-686855-231401-642208-184477-602511\r\n-225586-551660-586542-338394-092578-687140-267425")]
    [InlineData("  478269 - 039194 -473926-430939-686855-231401-642208-184477-602511-\n   225586-551660-586542-338394-092578-687140-267425\n")]
    [InlineData("478269-\t039194-473926-430939-686855-231401-642208-184477-602511-225586-551660-586542-338394-092578-687140-267425")]
    public void Parse_WhitespaceAroundSeparators_ReadsCanonicalKey(string text)
    {
        RecoveryKey.Parse(text).Reveal().Should().Be(PublishedSample);
    }

    [Theory]
    [InlineData("478269 039194 473926 430939 686855 231401 642208 184477 602511 225586 551660 586542 338394 092578 687140 267425", "found 1 group")]
    [InlineData("478269-039194-473926-430939-686855-231401-642208-184477-602511-225586-551660-586542-338394-092578-687140", "found 15 groups")]
    [InlineData("478269-039194-473926-430939-686855-231401-642208-184477-602511-225586-551660-586542-338394-092578-687140-267425-000000", "found 17 groups")]
    [InlineData("478269-039194-473926-430939-686855-231401-642208-184477-602511-225586-551660-586542-338394-092578-687140-26742", "group 16: has 5 digits")]
    [InlineData("478269-039194-4739x6-430939-686855-231401-642208-184477-602511-225586-551660-586542-338394-092578-687140-267425", "group 3: contains a character that is not a digit")]
    [InlineData("478269-039194-473926-430939-686855-231401-642208-184477-602511-225586-551660-586542-338394-092578-687 140-267425", "group 15: has a space or line break inside the group")]
    [InlineData("478269--473926-430939-686855-231401-642208-184477-602511-225586-551660-586542-338394-092578-687140-267425", "group 2: is empty")]
    [InlineData("   ", "no key was given")]
    [InlineData("478269-039194-473926-430939-686855-231401-642208-184477-602511-225586-551660-586542-338394-092578-687140-٢٦٧٤٢٥", "group 16: contains a character that is not a digit")]
    public void Parse_MalformedText_NamesTheProblem(string text, string expected)
    {
        var act = () => RecoveryKey.Parse(text);

        act.Should().Throw<RecoveryKeyFormatException>().WithMessage($"*{expected}*");
    }

    [Fact]
    public void Parse_OneMistypedDigit_NamesGroupAndHidesDigits()
    {
        var typo = PublishedSample.Replace("642208", "642209", StringComparison.Ordinal);

        var act = () => RecoveryKey.Parse(typo);

        var error = act.Should().Throw<RecoveryKeyFormatException>().Which;
        error.Message.Should().Be("group 7: check digit does not match (mistyped, or groups swapped?)");
        error.Problems.Should().ContainSingle().Which.GroupNumber.Should().Be(7);
    }

    [Fact]
    public void Parse_EverySingleDigitChangeOfManyKeys_ReportsExactlyThatGroup()
    {
        var random = new Random(20261128);
        for (var sample = 0; sample < 40; sample++)
        {
            var bytes = new byte[RecoveryKey.ByteLength];
            random.NextBytes(bytes);
            var text = RecoveryKey.FromBytes(bytes).Reveal().ToCharArray();
            for (var position = 0; position < text.Length; position++)
            {
                if (text[position] == '-')
                    continue;
                var original = text[position];
                for (var digit = '0'; digit <= '9'; digit++)
                {
                    if (digit == original)
                        continue;
                    text[position] = digit;
                    var analysis = RecoveryKey.Analyze(new string(text));
                    analysis.Problems.Should().ContainSingle()
                        .Which.GroupNumber.Should().Be(position / 7 + 1, "digit {0} changed at position {1}", digit, position);
                }
                text[position] = original;
            }
        }
    }

    [Fact]
    public void Parse_AnyTwoAdjacentGroupsSwapped_IsRejected()
    {
        var groups = RecoveryKey.Parse(PublishedSample).RevealGroups().ToArray();
        for (var i = 0; i < RecoveryKey.GroupCount - 1; i++)
        {
            var swapped = (string[])groups.Clone();
            (swapped[i], swapped[i + 1]) = (swapped[i + 1], swapped[i]);

            var problems = RecoveryKey.Analyze(string.Join('-', swapped)).Problems;

            problems.Select(p => p.GroupNumber).Should().BeEquivalentTo(new int?[] { i + 1, i + 2 });
        }
    }

    [Fact]
    public void Parse_GroupAboveSixteenBits_IsOutOfRange()
    {
        // 720896 = 65536 * 11 + 0: right residue for group 1, but the word does not fit 16 bits.
        var text = "720896" + PublishedSample[6..];

        RecoveryKey.Analyze(text).Problems.Should().ContainSingle()
            .Which.ToString().Should().Be("group 1: value is out of range (mistyped?)");
    }

    [Fact]
    public void Parse_WarnMode_AcceptsKeyAndKeepsWarnings()
    {
        var typo = PublishedSample.Replace("642208", "642209", StringComparison.Ordinal);

        var key = RecoveryKey.Parse(typo, KeyCheck.Warn);

        key.PassesGroupCheck.Should().BeFalse();
        key.Warnings.Should().ContainSingle().Which.GroupNumber.Should().Be(7);
        key.Reveal().Should().Be(typo);
        key.Invoking(k => k.ToBytes()).Should().Throw<InvalidOperationException>();
    }

    [Fact]
    public void FromBytes_ToBytes_RoundTripsGeneratedKeys()
    {
        for (var i = 0; i < 200; i++)
        {
            var key = RecoveryKey.Generate();
            var reparsed = RecoveryKey.Parse(key.Reveal());

            reparsed.PassesGroupCheck.Should().BeTrue();
            reparsed.ToBytes().Should().Equal(key.ToBytes());
            RecoveryKey.FromBytes(key.ToBytes()).Reveal().Should().Be(key.Reveal());
        }
    }

    [Fact]
    public void FromBytes_PublishedSample_RoundTrips()
    {
        var key = RecoveryKey.Parse(PublishedSample);

        RecoveryKey.FromBytes(key.ToBytes()).Reveal().Should().Be(PublishedSample);
    }

    [Fact]
    public void ToString_AnyKey_IsRedacted()
    {
        var key = RecoveryKey.Parse(PublishedSample);

        key.ToString().Should().Be("[redacted]");
        $"{key}".Should().NotContain("478269");
        RecoveryKey.Analyze(PublishedSample).ToString().Should().NotContain("478269");
    }

    [Fact]
    public void RevealGroups_PublishedSample_SixteenZeroPaddedGroups()
    {
        var groups = RecoveryKey.Parse(PublishedSample).RevealGroups();

        groups.Should().HaveCount(16);
        groups[1].Should().Be("039194");
        groups[13].Should().Be("092578");
    }

    [Fact]
    public void FixedTimeEquals_SameAndDifferentKeys_ComparesDigits()
    {
        var a = RecoveryKey.Parse(PublishedSample);
        var b = RecoveryKey.Parse(PublishedSample.Replace('\u002d', '-'));
        var other = RecoveryKey.Generate();

        a.FixedTimeEquals(b).Should().BeTrue();
        a.Equals(other).Should().BeFalse();
        a.FixedTimeEquals(null).Should().BeFalse();
    }
}
