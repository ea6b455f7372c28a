using RecoveryAssist.Core.Esxcli;
using RecoveryAssist.Core.PowerCli;
using RecoveryAssist.Core.Tests.Keys;

namespace RecoveryAssist.Core.Tests.PowerCli;

public class PowerCliExportParserTests
{
    [Fact]
    public void Parse_ExportWithTypeLine_ReadsHostsIdsAndKeys()
    {
        var records = PowerCliExportParser.Parse(Fixture.Read("powercli/export.csv"));

        records.Select(r => r.HostName).Should().Equal("esx01.lab", "esx02.lab");
        records[0].LineNumber.Should().Be(3);
        records[0].RecoveryId.ToString().Should().Be("{2DDD5424-7F3F-406A-8DA8-D62630F6C8BC}");
        records[0].Key.Reveal().Should().Be(RecoveryKeyTests.PublishedSample);
    }

    [Fact]
    public void Parse_SwappedColumns_ToldApartByShape()
    {
        var record = PowerCliExportParser.Parse(Fixture.Read("powercli/export-swapped-columns.csv")).Single();

        record.HostName.Should().Be("esx01.lab");
        record.RecoveryId.ToString().Should().Be("{2DDD5424-7F3F-406A-8DA8-D62630F6C8BC}");
        record.Key.Reveal().Should().Be(RecoveryKeyTests.PublishedSample);
    }

    [Theory]
    [InlineData("\"VMHost\",\"Key\"\n\"a\",\"b\"\n", "line 1: expected a header with RecoveryID and Key columns")]
    [InlineData("\"VMHost\",\"RecoveryID\",\"Key\"\n\"a\",\"x\",\"y\"\n", "line 2: no Recovery ID (a GUID)")]
    [InlineData("\"VMHost\",\"RecoveryID\",\"Key\"\n\"a\",\"{2DDD5424-7F3F-406A-8DA8-D62630F6C8BC}\"\n", "line 2: expected 3 fields")]
    [InlineData("\"VMHost\",\"RecoveryID\",\"Key\"\n\"a\",\"{2DDD5424-7F3F-406A-8DA8-D62630F6C8BC}\",\"478269-039194\"\n", "line 2: the key is not valid: expected 16 groups")]
    [InlineData("\"VMHost\",\"RecoveryID\",\"Key\"\n", "line 1: the export has a header but no rows")]
    public void Parse_Garbage_ErrorNamesLine(string csv, string expected)
    {
        FluentActions.Invoking(() => PowerCliExportParser.Parse(csv)).Should().Throw<EsxcliParseException>().WithMessage($"*{expected}*");
    }
}
