using RecoveryAssist.Core.Esxcli;

namespace RecoveryAssist.Core.Tests.Esxcli;

/// <summary>Parsers of host facts: hardware platform, NICs, kernel settings, version. Their fixtures are recalled shapes, not published samples.</summary>
public class HostFactsParserTests
{
    [Theory]
    [InlineData("esxcli/hardware-platform-get.txt")]
    [InlineData("esxcli/hardware-platform-get.keyvalue")]
    public void HardwarePlatformParse_GoldenFile_ReturnsIdentity(string fixture)
    {
        var platform = HardwarePlatformParser.Parse(ParserFixtures.Read(fixture));

        platform.Should().Be(new HardwarePlatform(
            "0x4c 0x4c 0x45 0x44 0x0 0x57 0x10 0x80 0x80 0x4b 0xb2 0xc0 0x4f 0x50 0x34 0x32",
            "PowerEdge R640", "Dell Inc.", "2WK4P32", "2WK4P32"));
    }

    [Theory]
    [InlineData("Platform Information\n", 1, "expected esxcli output")]
    [InlineData("Platform Information\n   UUID: 0x4c\n   Vendor Name: Dell Inc.\n   Serial Number: X\n", 4, "\"Product Name\"")]
    [InlineData("Platform Info\n   UUID: 0x4c\n", 1, "\"Name: value\"")]
    public void HardwarePlatformParse_Garbage_ThrowsNamingLine(string output, int line, string expected)
    {
        var act = () => HardwarePlatformParser.Parse(output);

        var error = act.Should().Throw<EsxcliParseException>().Which;
        error.LineNumber.Should().Be(line);
        error.Message.Should().StartWith($"line {line}: ").And.Contain(expected);
    }

    [Fact]
    public void HardwarePlatformParse_TitleOnlyAsTable_ThrowsExpectingFieldsAfterTitle()
    {
        var act = () => HardwarePlatformParser.Parse("Platform Information\n", EsxcliFormat.Table);

        act.Should().Throw<EsxcliParseException>().Which.Message.Should().Be("line 2: expected \"Name: value\" lines after the title");
    }

    [Fact]
    public void NicListParse_Table_ReturnsEveryNicWithLowerCaseMac()
    {
        var nics = NicListParser.Parse(ParserFixtures.Read("esxcli/network-nic-list.txt"));

        nics.Should().Equal(
            new NicInfo("vmnic0", "00:0a:f7:aa:bb:01", "ntg3", "Up"),
            new NicInfo("vmnic1", "00:0a:f7:aa:bb:02", "ntg3", "Down"));
    }

    [Fact]
    public void NicListParse_CsvWithQuotedComma_ReadsByName()
    {
        NicListParser.Parse(ParserFixtures.Read("esxcli/network-nic-list.csv"))
            .Should().Equal(new NicInfo("vmnic0", "00:0a:f7:aa:bb:01", "ntg3", "Up"));
    }

    [Theory]
    [InlineData("Name    MAC Address\n------  -----------------\nvmnic0  00:0a:f7:aa:bb\n", 3, "expected a MAC address")]
    [InlineData("Name    MAC Address\n------  -----------------\nvmnic0 x00:0a:f7:aa:bb:01\n", 3, "in the column of its ruler run")]
    [InlineData("Name    MAC Address\n------  -----------------\n  x  vmnic0  00:0a:f7:aa:bb:01\n", 3, "in the column of its ruler run")]
    [InlineData("Name    Link\n------  ----\nvmnic0  Up\n", 3, "\"MAC Address\"")]
    public void NicListParse_Garbage_ThrowsNamingLine(string output, int line, string expected)
    {
        var act = () => NicListParser.Parse(output);

        var error = act.Should().Throw<EsxcliParseException>().Which;
        error.LineNumber.Should().Be(line);
        error.Message.Should().StartWith($"line {line}: ").And.Contain(expected);
    }

    [Fact]
    public void NicListParse_HeaderOnly_ReturnsEmpty()
    {
        NicListParser.Parse("Name    MAC Address\n------  -----------\n").Should().BeEmpty();
    }

    [Theory]
    [InlineData("esxcli/kernel-settings-exec-installed-only.txt", "TRUE", "FALSE", true)]
    [InlineData("esxcli/kernel-settings-exec-installed-only.xml", "TRUE", "TRUE", false)]
    public void KernelSettingsParse_GoldenFile_ReturnsConfiguredAndRuntime(string fixture, string configured, string runtime, bool pending)
    {
        var setting = KernelSettingsParser.Parse(ParserFixtures.Read(fixture)).Single();

        setting.Name.Should().Be("execInstalledOnly");
        setting.Configured.Should().Be(configured);
        setting.Runtime.Should().Be(runtime);
        setting.PendingReboot.Should().Be(pending);
    }

    [Theory]
    [InlineData("Name               Type  Configured  Runtime  Default  Description\n-----------------  ----  ----------  -------  -------  -----------\n", 2, "found none")]
    [InlineData("Name               Type  Configured  Default\n-----------------  ----  ----------  -------\nexecInstalledOnly  Bool  TRUE        FALSE\n", 3, "\"Runtime\"")]
    public void KernelSettingsParse_Garbage_ThrowsNamingLine(string output, int line, string expected)
    {
        var act = () => KernelSettingsParser.Parse(output);

        var error = act.Should().Throw<EsxcliParseException>().Which;
        error.LineNumber.Should().Be(line);
        error.Message.Should().StartWith($"line {line}: ").And.Contain(expected);
    }

    [Theory]
    [InlineData("VMware ESXi 8.0.2 build-22380479\n", "8.0.2", "22380479", null)]
    [InlineData("VMware ESXi 7.0.3 build-21930508\nVMware ESXi 7.0 Update 3\n", "7.0.3", "21930508", "7.0 Update 3")]
    public void EsxiVersionParse_Output_ReturnsVersionAndBuild(string output, string version, string build, string? release)
    {
        EsxiVersionParser.Parse(output).Should().Be(new EsxiVersion(version, build, release));
    }

    [Fact]
    public void EsxiVersionParse_GoldenFile_ReturnsRelease()
    {
        EsxiVersionParser.Parse(ParserFixtures.Read("esxcli/vmware-vl.txt")).Should().Be(new EsxiVersion("8.0.2", "22380479", "8.0 Update 2"));
    }

    [Theory]
    [InlineData("", 1)]
    [InlineData("VMware ESXi 8.0.2\n", 1)]
    [InlineData("VMware ESXi 8.0.2 build-22380479\n-sh: vmware: not found\n", 2)]
    [InlineData("VMware ESXi 8.0.2 build-22380479\nVMware ESXi 8.0 Update 2\nextra\n", 3)]
    public void EsxiVersionParse_Garbage_ThrowsNamingLine(string output, int line)
    {
        var act = () => EsxiVersionParser.Parse(output);

        act.Should().Throw<EsxcliParseException>().Which.LineNumber.Should().Be(line);
    }
}
