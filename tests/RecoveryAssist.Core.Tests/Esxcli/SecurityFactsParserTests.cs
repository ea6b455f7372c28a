using RecoveryAssist.Core.Esxcli;

namespace RecoveryAssist.Core.Tests.Esxcli;

/// <summary>Parsers of what the TPM policy needs to know: trusted boot (TPM), firmware Secure Boot, uptime, and an empty recovery list.</summary>
public class SecurityFactsParserTests
{
    [Theory]
    [InlineData("esxcli/hardware-trustedboot-get.txt")]
    [InlineData("esxcli/hardware-trustedboot-get.keyvalue")]
    public void TrustedBootParse_RealShape_TpmPresentNoVendor(string fixture)
    {
        TrustedBootParser.Parse(ParserFixtures.Read(fixture)).Should().Be(new TrustedBootInfo(true, false, null));
    }

    [Fact]
    public void TrustedBootParse_VendorPrinted_ReadsVendor()
    {
        TrustedBootParser.Parse("   Drtm Enabled: false\n   Tpm Present: true\n   Tpm Vendor: NTZ\n")
            .Should().Be(new TrustedBootInfo(true, false, "NTZ"));
    }

    [Fact]
    public void TrustedBootParse_NoTpm_PresentFalse()
    {
        TrustedBootParser.Parse("   Drtm Enabled: false\n   Tpm Present: false\n").TpmPresent.Should().BeFalse();
    }

    [Theory]
    [InlineData("", 1, "found nothing")]
    [InlineData("   Drtm Enabled: false\n", 1, "\"Tpm Present\"")]
    [InlineData("   Tpm Present: maybe\n", 1, "expected true or false in the field \"Tpm Present\"")]
    public void TrustedBootParse_Garbage_ThrowsNamingLine(string output, int line, string expected)
    {
        var act = () => TrustedBootParser.Parse(output);

        var error = act.Should().Throw<EsxcliParseException>().Which;
        error.LineNumber.Should().Be(line);
        error.Message.Should().Contain(expected);
    }

    [Theory]
    [InlineData("Enabled\n", true)]
    [InlineData("Disabled\n", false)]
    [InlineData("  enabled  \r\n", true)]
    public void SecureBootStatusParse_Word_ReturnsState(string output, bool expected)
    {
        SecureBootStatusParser.Parse(output).Should().Be(expected);
    }

    [Theory]
    [InlineData("", 1, "found 0")]
    [InlineData("Enabled\nDisabled\n", 2, "found 2")]
    [InlineData("Secure boot can be enabled\n", 1, "expected Enabled or Disabled")]
    public void SecureBootStatusParse_Other_ThrowsNamingLine(string output, int line, string expected)
    {
        var act = () => SecureBootStatusParser.Parse(output);

        var error = act.Should().Throw<EsxcliParseException>().Which;
        error.LineNumber.Should().Be(line);
        error.Message.Should().Contain(expected);
    }

    [Theory]
    [InlineData("4095103\n", 40951030)]
    [InlineData("0\n", 0)]
    public void UptimeParse_Microseconds_ReturnsTimeSpan(string output, long ticks)
    {
        UptimeParser.Parse(output).Should().Be(TimeSpan.FromTicks(ticks));
    }

    [Theory]
    [InlineData("", 1)]
    [InlineData("-5\n", 1)]
    [InlineData("12 s\n", 1)]
    [InlineData("1\n2\n", 2)]
    public void UptimeParse_NotANumber_ThrowsNamingLine(string output, int line)
    {
        var act = () => UptimeParser.Parse(output);

        act.Should().Throw<EsxcliParseException>().Which.LineNumber.Should().Be(line);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Recovery ID                             Key\n--------------------------------------  ---\n")]
    [InlineData("Key,RecoveryID,\n")]
    public void RecoveryListParse_NoRowAllowedEmpty_ReturnsEmpty(string output)
    {
        RecoveryListParser.Parse(output, allowEmpty: true).Should().BeEmpty();
        var act = () => RecoveryListParser.Parse(output);
        act.Should().Throw<EsxcliParseException>().Which.Message.Should().Contain("no recovery key");
    }

    [Fact]
    public void RecoveryListParse_GarbageAllowedEmpty_StillThrows()
    {
        var act = () => RecoveryListParser.Parse("Recovery ID                             Key\n--------------------------------------  ---\nnonsense\n", allowEmpty: true);

        act.Should().Throw<EsxcliParseException>().Which.LineNumber.Should().Be(3);
    }
}
