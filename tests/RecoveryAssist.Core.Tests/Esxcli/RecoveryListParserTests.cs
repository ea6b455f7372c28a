using RecoveryAssist.Core.Esxcli;
using RecoveryAssist.Core.Keys;

namespace RecoveryAssist.Core.Tests.Esxcli;

public class RecoveryListParserTests
{
    private const string Header = "Recovery ID                             Key\n--------------------------------------  ---\n";

    public static TheoryData<string, EsxcliFormat> GoldenFiles => new()
    {
        { "esxcli/recovery-list-table-published.txt", EsxcliFormat.Table },
        { "esxcli/recovery-list-table-one-line.txt", EsxcliFormat.Table },
        { "esxcli/recovery-list-table-two-rows.txt", EsxcliFormat.Table },
        { "esxcli/recovery-list.csv", EsxcliFormat.Csv },
        { "esxcli/recovery-list-reordered-quoted.csv", EsxcliFormat.Csv },
        { "esxcli/recovery-list.keyvalue", EsxcliFormat.KeyValue },
        { "esxcli/recovery-list-single.keyvalue", EsxcliFormat.KeyValue },
        { "esxcli/recovery-list.xml", EsxcliFormat.Xml },
        { "esxcli/recovery-list-single-structure.xml", EsxcliFormat.Xml },
    };

    [Fact]
    public void Parse_PublishedSample_ReturnsDocumentedIdAndKey()
    {
        var entries = RecoveryListParser.Parse(ParserFixtures.Read("esxcli/recovery-list-table-published.txt"));

        entries.Should().ContainSingle();
        entries[0].RecoveryId.ToString().Should().Be(ParserFixtures.PublishedId);
        entries[0].Key.Reveal().Should().Be(ParserFixtures.PublishedKey);
        entries[0].Key.PassesGroupCheck.Should().BeTrue();
    }

    [Theory]
    [InlineData("esxcli/recovery-list-table-one-line.txt", new[] { ParserFixtures.Id1 }, new[] { ParserFixtures.Key1 })]
    [InlineData("esxcli/recovery-list-table-two-rows.txt", new[] { ParserFixtures.Id1, ParserFixtures.Id2 }, new[] { ParserFixtures.Key1, ParserFixtures.Key2 })]
    [InlineData("esxcli/recovery-list.csv", new[] { ParserFixtures.Id1 }, new[] { ParserFixtures.Key1 })]
    [InlineData("esxcli/recovery-list-reordered-quoted.csv", new[] { ParserFixtures.Id1, ParserFixtures.Id2 }, new[] { ParserFixtures.Key1, ParserFixtures.Key2 })]
    [InlineData("esxcli/recovery-list.keyvalue", new[] { ParserFixtures.Id1, ParserFixtures.Id2 }, new[] { ParserFixtures.Key1, ParserFixtures.Key2 })]
    [InlineData("esxcli/recovery-list-single.keyvalue", new[] { ParserFixtures.Id3 }, new[] { ParserFixtures.Key3 })]
    [InlineData("esxcli/recovery-list.xml", new[] { ParserFixtures.Id1, ParserFixtures.Id2 }, new[] { ParserFixtures.Key1, ParserFixtures.Key2 })]
    [InlineData("esxcli/recovery-list-single-structure.xml", new[] { ParserFixtures.Id3 }, new[] { ParserFixtures.Key3 })]
    public void Parse_GoldenFile_ReturnsEveryRowInOrder(string fixture, string[] ids, string[] keys)
    {
        var entries = RecoveryListParser.Parse(ParserFixtures.Read(fixture));

        entries.Select(e => e.RecoveryId.ToString()).Should().Equal(ids);
        entries.Select(e => e.Key.Reveal()).Should().Equal(keys);
    }

    [Theory]
    [MemberData(nameof(GoldenFiles))]
    public void Detect_GoldenFile_ReturnsItsFormat(string fixture, EsxcliFormat expected)
    {
        EsxcliFormatDetector.Detect(ParserFixtures.Read(fixture)).Should().Be(expected);
    }

    [Theory]
    [MemberData(nameof(GoldenFiles))]
    public void Parse_GoldenFileWithExplicitFormat_ReadsSameAsDetected(string fixture, EsxcliFormat format)
    {
        var text = ParserFixtures.Read(fixture);

        RecoveryListParser.Parse(text, format).Should().Equal(RecoveryListParser.Parse(text));
    }

    [Theory]
    [MemberData(nameof(GoldenFiles))]
    public void Parse_GoldenFileWithCrLf_ReadsSameAsLf(string fixture, EsxcliFormat format)
    {
        var text = ParserFixtures.Read(fixture);

        RecoveryListParser.Parse(text.ReplaceLineEndings("\r\n"), format).Should().Equal(RecoveryListParser.Parse(text));
    }

    [Fact]
    public void Parse_KeyEntirelyOnContinuationLines_JoinsThem()
    {
        var text = Header + ParserFixtures.Id1 + "\n" + ParserFixtures.Key1[..20] + "\n" + ParserFixtures.Key1[20..] + "\n";

        RecoveryListParser.Parse(text).Single().Key.Reveal().Should().Be(ParserFixtures.Key1);
    }

    [Fact]
    public void Parse_TableWithBlankLinesAndIndentation_ReadsRows()
    {
        var text = "\n\n  " + Header.Replace("\n-", "\n  -", StringComparison.Ordinal) + "  " + ParserFixtures.Id1.ToLowerInvariant() + "   " + ParserFixtures.Key1 + "   \n\n";

        var entry = RecoveryListParser.Parse(text).Single();

        entry.RecoveryId.ToString().Should().Be(ParserFixtures.Id1);
        entry.Key.Reveal().Should().Be(ParserFixtures.Key1);
    }

    [Fact]
    public void Parse_GroupCheckFailsWithWarn_ReturnsKeyWithWarning()
    {
        var text = Header + ParserFixtures.Id1 + "  " + ParserFixtures.Key1WithGroup7Mistyped + "\n";

        var entry = RecoveryListParser.Parse(text, check: KeyCheck.Warn).Single();

        entry.Key.PassesGroupCheck.Should().BeFalse();
        entry.Key.Warnings.Should().ContainSingle().Which.GroupNumber.Should().Be(7);
    }

    [Fact]
    public void Parse_GroupCheckFailsWithEnforce_ThrowsNamingGroup()
    {
        var text = Header + ParserFixtures.Id1 + "  " + ParserFixtures.Key1WithGroup7Mistyped + "\n";

        var act = () => RecoveryListParser.Parse(text);

        act.Should().Throw<EsxcliParseException>().Which.Message.Should().StartWith("line 3: ").And.Contain("group 7: check digit");
    }

    [Fact]
    public void Parse_WrappedKeyWithFaultyGroupOnContinuation_NamesLineOfThatGroup()
    {
        var key = ParserFixtures.Key1WithGroup7Mistyped;
        var text = Header + ParserFixtures.Id1 + "  " + key[..35] + "\n" + key[35..] + "\n";

        var act = () => RecoveryListParser.Parse(text);

        act.Should().Throw<EsxcliParseException>().Which.LineNumber.Should().Be(4);
    }

    [Theory]
    [InlineData("", 1)]
    [InlineData("  \n\n", 1)]
    [InlineData("Recovery ID                             Key\n--------------------------------------  ---\n", 2)]
    [InlineData("Key,RecoveryID,\n", 1)]
    [InlineData("<output xmlns=\"http://www.vmware.com/Products/ESX/5.0/esxcli\"><root><list type=\"structure\"></list></root></output>", 1)]
    public void Parse_NoRow_ThrowsNoRecoveryKey(string output, int line)
    {
        var act = () => RecoveryListParser.Parse(output);

        var error = act.Should().Throw<EsxcliParseException>().Which;
        error.LineNumber.Should().Be(line);
        error.Message.Should().StartWith($"line {line}: no recovery key in the output");
    }

    [Theory]
    // Nothing that esxcli prints.
    [InlineData("hello world\n", 1, "expected esxcli output")]
    [InlineData("\n\nError: Unknown command or namespace system settings encryption recovery lst\n", 3, "expected the header \"Recovery ID  Key\"")]
    // Table: header, ruler, rows, continuations.
    [InlineData("Recovery ID  Key\nfoo\n", 2, "dash ruler")]
    [InlineData("Recovery  Key\n------  ---\n", 1, "header \"Recovery ID  Key\"")]
    [InlineData("Recovery ID                             Key\n--------------------------------------  ---\n-225586-551660\n", 3, "expected a row starting with a Recovery ID")]
    [InlineData("Recovery ID                             Key\n--------------------------------------  ---\n{2DDD5424-7F3F-406A-8DA8-D62630F6C8BC}  478269-039194\n[root@esx01:~] \n", 4, "or the rest of a key")]
    [InlineData("Recovery ID                             Key\n--------------------------------------  ---\n{2DDD5424-7F3F-406A-8DA8-D62630F6C8BC}\n", 3, "expected the key after the Recovery ID")]
    [InlineData("Recovery ID                             Key\n--------------------------------------  ---\n{2DDD5424-7F3F-406A-8DA8-D62630F6C8BC}  478269-039194-473926\n", 3, "found 3 groups")]
    [InlineData("Recovery ID                             Key\n--------------------------------------  ---\n{2DDD5424-7F3F-406A-8DA8-ZZ2630F6C8BC}  478269\n", 3, "expected a row starting with a Recovery ID")]
    // csv
    [InlineData("Key,RecoveryID,\n478269-039194,\n", 2, "expected 2 fields")]
    [InlineData("Key,RecoveryID,\n\"478269,{2DDD5424-7F3F-406A-8DA8-D62630F6C8BC},\n", 2, "quote that is not closed")]
    [InlineData("Key,Recovery,\n1,2,\n", 2, "expected the field \"Recovery ID\"")]
    [InlineData("Key,RecoveryID,\n1,not-a-guid,\n", 2, "expected a Recovery ID")]
    [InlineData("Key,RecoveryID,\n\n\n123,{2DDD5424-7F3F-406A-8DA8-D62630F6C8BC},\n", 4, "16 groups of 6 digits")]
    // keyvalue
    [InlineData("structure[0].R.Key.string=1\nstructure[0].R.RecoveryID.string={2DDD5424-7F3F-406A-8DA8-D62630F6C8BC}\ngarbage\n", 3, "expected a keyvalue line")]
    [InlineData("structure[0].R.Key.string=1\nR.RecoveryID.string={2DDD5424-7F3F-406A-8DA8-D62630F6C8BC}\n", 2, "expected a structure[N] index")]
    [InlineData("R.Key.string=1\nstructure[0].R.RecoveryID.string=x\n", 2, "without a structure[N] index")]
    [InlineData("R.Key.string=1\nR.Key.string=2\n", 2, "found a field twice")]
    [InlineData("R.Key.string=1\nR.Other.string=2\n", 2, "expected the field \"Recovery ID\"")]
    // xml
    [InlineData("<output>\n<root>\n<list type=\"structure\">\n<structure>\n<field name=\"Key\"><string>1</string></field>\n</list>\n", 6, "well-formed XML")]
    [InlineData("<outcome>\n<root/>\n</outcome>\n", 1, "expected <output>")]
    [InlineData("<output>\n<root>\n<list type=\"string\"><string>a</string></list>\n</root>\n</output>\n", 3, "<list type=\"structure\">")]
    [InlineData("<output>\n<root>\n<list type=\"structure\">\n<structure>\n<field name=\"Key\"><string>1</string></field>\n<value>x</value>\n</structure>\n</list>\n</root>\n</output>\n", 6, "only <field name=")]
    [InlineData("<output>\n<root>\n<structure>\n<field name=\"Key\">\n</field>\n</structure>\n</root>\n</output>\n", 4, "one value element")]
    [InlineData("<!DOCTYPE output [<!ENTITY x \"y\">]>\n<output/>\n", 1, "well-formed XML")]
    public void Parse_Garbage_ThrowsNamingLine(string output, int line, string expected)
    {
        var act = () => RecoveryListParser.Parse(output);

        var error = act.Should().Throw<EsxcliParseException>().Which;
        error.LineNumber.Should().Be(line);
        error.Message.Should().StartWith($"line {line}: ").And.Contain(expected);
    }

    [Fact]
    public void Parse_SameRecoveryIdTwice_Throws()
    {
        var text = Header + ParserFixtures.Id1 + "  " + ParserFixtures.Key1 + "\n" + ParserFixtures.Id1 + "  " + ParserFixtures.Key2 + "\n";

        var act = () => RecoveryListParser.Parse(text);

        act.Should().Throw<EsxcliParseException>().Which.Message.Should().StartWith("line 4: expected each Recovery ID once");
    }

    [Fact]
    public void Parse_HalfUnderstoodOutput_ThrowsInsteadOfFewerRows()
    {
        // The first row is fine; the second is broken: no partial result.
        var text = Header + ParserFixtures.Id1 + "  " + ParserFixtures.Key1 + "\n" + ParserFixtures.Id2 + "  " + ParserFixtures.Key2[..50] + "\n";

        var act = () => RecoveryListParser.Parse(text);

        act.Should().Throw<EsxcliParseException>().Which.LineNumber.Should().Be(4);
    }

    [Fact]
    public void Parse_ExplicitFormatThatDoesNotFit_Throws()
    {
        var act = () => RecoveryListParser.Parse(ParserFixtures.Read("esxcli/recovery-list.csv"), EsxcliFormat.Xml);

        act.Should().Throw<EsxcliParseException>().Which.Message.Should().StartWith("line 1: expected well-formed XML");
    }

    [Fact]
    public void ToString_Entry_RedactsKey()
    {
        var entry = RecoveryListParser.Parse(ParserFixtures.Read("esxcli/recovery-list-table-published.txt")).Single();

        entry.ToString().Should().Contain("[redacted]").And.NotContain("478269");
    }
}
