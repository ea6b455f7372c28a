using RecoveryAssist.Core.Esxcli;
using RecoveryAssist.Core.Keys;
using RecoveryAssist.Core.PowerCli;
using RecoveryAssist.Core.Tests.Esxcli;

namespace RecoveryAssist.Core.Tests.PowerCli;

public class PowerCliExportParserTests
{
    [Fact]
    public void Parse_ExportWithTypeLineAndVMHost_ReturnsEveryHost()
    {
        var records = PowerCliExportParser.Parse(ParserFixtures.Read("powercli/recovery-keys-export.csv"));

        records.Select(r => (r.LineNumber, r.HostName, r.RecoveryId.ToString(), r.Key.Reveal())).Should().Equal(
            (3, "esx01.lab.local", ParserFixtures.Id1, ParserFixtures.Key1),
            (4, "esx02.lab.local", ParserFixtures.Id2, ParserFixtures.Key2));
    }

    [Theory]
    [InlineData("powercli/recovery-keys-name-column.csv", "esx03.lab.local", ParserFixtures.Id3, ParserFixtures.Key3)]
    [InlineData("powercli/recovery-keys-semicolon.csv", "esx01.lab.local", ParserFixtures.Id1, ParserFixtures.Key1)]
    [InlineData("powercli/recovery-keys-no-host.csv", null, ParserFixtures.PublishedId, ParserFixtures.PublishedKey)]
    public void Parse_GoldenFile_ReturnsRecord(string fixture, string? host, string id, string key)
    {
        var record = PowerCliExportParser.Parse(ParserFixtures.Read(fixture)).Single();

        record.HostName.Should().Be(host);
        record.RecoveryId.ToString().Should().Be(id);
        record.Key.Reveal().Should().Be(key);
    }

    [Fact]
    public void Parse_SwappedColumns_RecognisesGuidAndKeyByShape()
    {
        var records = PowerCliExportParser.Parse(ParserFixtures.Read("powercli/recovery-keys-swapped.csv"));

        records.Select(r => (r.HostName, r.RecoveryId.ToString(), r.Key.Reveal())).Should().Equal(
            ("esx01.lab.local", ParserFixtures.Id1, ParserFixtures.Key1),
            ("esx02.lab.local", ParserFixtures.Id2, ParserFixtures.Key2));
    }

    [Fact]
    public void Parse_GroupCheckFailsWithWarn_ReturnsKeyWithWarning()
    {
        var csv = $"RecoveryID,Key\n{ParserFixtures.Id1},{ParserFixtures.Key1WithGroup7Mistyped}\n";

        var record = PowerCliExportParser.Parse(csv, KeyCheck.Warn).Single();

        record.Key.Warnings.Should().ContainSingle().Which.GroupNumber.Should().Be(7);
    }

    [Theory]
    [InlineData("", 1, "found nothing")]
    [InlineData("#TYPE System.Management.Automation.PSCustomObject\n", 2, "found nothing")]
    [InlineData("\"VMHost\",\"RecoveryID\"\n\"esx01\",\"{2DDD5424-7F3F-406A-8DA8-D62630F6C8BC}\"\n", 1, "columns RecoveryID and Key")]
    [InlineData("\"VMHost\",\"RecoveryID\",\"Key\"\n", 2, "found none")]
    [InlineData("\"VMHost\",\"RecoveryID\",\"Key\"\n\"esx01\",\"{2DDD5424-7F3F-406A-8DA8-D62630F6C8BC}\"\n", 2, "expected 3 fields")]
    [InlineData("\"VMHost\",\"RecoveryID\",\"Key\"\n\"esx01\",\"{2DDD5424-7F3F-406A-8DA8-D62630F6C8BC}\",\"478269\n", 2, "quote that is not closed")]
    [InlineData("\"VMHost\",\"RecoveryID\",\"Key\"\n\"esx01\",\"not a guid\",\"478269\"\n", 2, "expected a Recovery ID")]
    [InlineData("\"VMHost\",\"RecoveryID\",\"Key\"\n\"esx01\",\"{2DDD5424-7F3F-406A-8DA8-D62630F6C8BC}\",\"478269-039194\"\n", 2, "16 groups of 6 digits")]
    [InlineData("\"VMHost\",\"RecoveryID\",\"Key\"\n\n\"esx01\",\"478269-039194\",\"{2DDD5424-7F3F-406A-8DA8-D62630F6C8BC}\"\n", 3, "16 groups of 6 digits")]
    public void Parse_Garbage_ThrowsNamingLine(string csv, int line, string expected)
    {
        var act = () => PowerCliExportParser.Parse(csv);

        var error = act.Should().Throw<EsxcliParseException>().Which;
        error.LineNumber.Should().Be(line);
        error.Message.Should().StartWith($"line {line}: ").And.Contain(expected);
    }
}
