using RecoveryAssist.Core.Esxcli;
using RecoveryAssist.Core.Keys;
using RecoveryAssist.Core.Tests.Keys;

namespace RecoveryAssist.Core.Tests.Esxcli;

public class RecoveryListParserTests
{
    private const string SampleId = "{2DDD5424-7F3F-406A-8DA8-D62630F6C8BC}";

    [Theory]
    [InlineData("recovery-list-published-sample.txt", EsxcliFormat.Table)]
    [InlineData("recovery-list-one-line.txt", EsxcliFormat.Table)]
    [InlineData("recovery-list.csv", EsxcliFormat.Csv)]
    [InlineData("recovery-list-reordered-quoted.csv", EsxcliFormat.Csv)]
    [InlineData("recovery-list.keyvalue", EsxcliFormat.KeyValue)]
    [InlineData("recovery-list.xml", EsxcliFormat.Xml)]
    public void Parse_GoldenFile_DetectsFormatAndReadsSample(string file, EsxcliFormat format)
    {
        var output = Fixture.Read("esxcli/" + file);

        EsxcliFormatDetector.Detect(output).Should().Be(format);
        var entries = RecoveryListParser.Parse(output);
        var explicitFormat = RecoveryListParser.Parse(output, format);

        entries.Should().ContainSingle();
        entries[0].RecoveryId.ToString().Should().Be(SampleId);
        entries[0].Key.Reveal().Should().Be(RecoveryKeyTests.PublishedSample);
        explicitFormat[0].Key.FixedTimeEquals(entries[0].Key).Should().BeTrue();
    }

    [Fact]
    public void Parse_TwoRows_ReadsBothInOrder()
    {
        var entries = RecoveryListParser.Parse(Fixture.Read("esxcli/recovery-list-two-rows.txt"));

        entries.Select(e => e.RecoveryId.ToString()).Should().Equal(SampleId, "{0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0}");
        entries[1].Key.PassesGroupCheck.Should().BeTrue();
    }

    [Fact]
    public void Parse_WindowsLineEndings_ReadsSample()
    {
        var output = Fixture.Read("esxcli/recovery-list-published-sample.txt").Replace("\n", "\r\n", StringComparison.Ordinal);

        RecoveryListParser.Parse(output)[0].Key.Reveal().Should().Be(RecoveryKeyTests.PublishedSample);
    }

    public static TheoryData<string, string> Garbage => new()
    {
        { "", "the output is empty" },
        { "hello world\n", "line 1: expected the table header 'Recovery ID  Key'" },
        { "Recovery ID  Key\n---  ---\n", "no recovery key in the output" },
        { "Recovery ID  Key\n---  ---\n{2DDD5424-7F3F-406A-8DA8}  478269\n", "line 3: expected a Recovery ID" },
        { "Recovery ID  Key\n---  ---\n{2DDD5424-7F3F-406A-8DA8-D62630F6C8BC}  478269-039194\nsomething else\n", "line 4: expected a row starting with a braced Recovery ID, or the continuation" },
        { "Recovery ID  Key\n---  ---\n{2DDD5424-7F3F-406A-8DA8-D62630F6C8BC}  478269-039194-473926-430939-686855-231401-642208-184477-602511\n", "line 3: the key is not valid: expected 16 groups" },
        { "Recovery ID  Key\n---  ---\n{2DDD5424-7F3F-406A-8DA8-D62630F6C8BC}  478269-039194-473926-430939-686855-231401-642209-184477-602511-225586-551660-586542-338394-092578-687140-267425\n", "line 3: the key is not valid: group 7: check digit does not match" },
        { "Key,RecoveryID,\n478269-039194,{2DDD5424-7F3F-406A-8DA8-D62630F6C8BC},extra,\n", "line 2: expected 2 fields as in the header, found 3" },
        { "Key,RecoveryID,\n478269,not-a-guid,\n", "line 2: the RecoveryID field is not a GUID" },
        { "Key,Name,\n478269,x,\n", "line 2: expected a RecoveryID field" },
        { "Key,RecoveryID,\n\"478269,{2DDD5424-7F3F-406A-8DA8-D62630F6C8BC},\n", "line 2: a quote in field 1 is not closed" },
        { "structure[0].RecoveryKey.Key.string=1\nbroken line\n", "line 2: expected <Type>.<Field>.<type>=value" },
        { "structure[x].RecoveryKey.Key.string=1\n", "line 1: expected a list index" },
        { "<output><root><list>\n<structure>\n</list></output>", "line 3: the XML is not well formed" },
        { "<output>\n<root></root>\n</output>", "line 1: expected <structure> elements" },
    };

    [Theory]
    [MemberData(nameof(Garbage))]
    public void Parse_Garbage_ErrorNamesLineAndExpectation(string output, string expected)
    {
        var act = () => RecoveryListParser.Parse(output);

        act.Should().Throw<EsxcliParseException>().WithMessage($"*{expected}*");
    }

    [Fact]
    public void Parse_SecondRowBad_NoPartialResult()
    {
        var output = Fixture.Read("esxcli/recovery-list-two-rows.txt") + "{AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE}  123456-\n";

        var act = () => RecoveryListParser.Parse(output);

        act.Should().Throw<EsxcliParseException>().Which.LineNumber.Should().Be(5);
    }

    [Fact]
    public void Parse_KeyFailsCheck_MessageNeverHoldsDigits()
    {
        var output = Fixture.Read("esxcli/recovery-list-one-line.txt").Replace("642208", "642209", StringComparison.Ordinal);

        var error = FluentActions.Invoking(() => RecoveryListParser.Parse(output)).Should().Throw<EsxcliParseException>().Which;

        foreach (var group in RecoveryKeyTests.PublishedSample.Split('-'))
            error.Message.Should().NotContain(group);
    }

    [Fact]
    public void Parse_WarnMode_AcceptsKeyFailingCheck()
    {
        var output = Fixture.Read("esxcli/recovery-list-one-line.txt").Replace("642208", "642209", StringComparison.Ordinal);

        var entry = RecoveryListParser.Parse(output, check: KeyCheck.Warn).Single();

        entry.Key.Warnings.Should().ContainSingle().Which.GroupNumber.Should().Be(7);
        entry.ToString().Should().NotContain("478269");
    }
}
