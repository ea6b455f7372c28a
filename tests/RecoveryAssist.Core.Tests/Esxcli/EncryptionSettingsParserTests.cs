using RecoveryAssist.Core.Esxcli;

namespace RecoveryAssist.Core.Tests.Esxcli;

public class EncryptionSettingsParserTests
{
    [Theory]
    [InlineData("esxcli/encryption-get.txt", EsxcliFormat.Table)]
    [InlineData("esxcli/encryption-get.csv", EsxcliFormat.Csv)]
    [InlineData("esxcli/encryption-get.keyvalue", EsxcliFormat.KeyValue)]
    [InlineData("esxcli/encryption-get.xml", EsxcliFormat.Xml)]
    public void Parse_GoldenFile_ReturnsTpmWithSecureBootOnly(string fixture, EsxcliFormat format)
    {
        var text = ParserFixtures.Read(fixture);
        var expected = new EncryptionSettings(ProtectionMode.Tpm, RequireSecureBoot: true, RequireExecutablesOnlyFromInstalledVibs: false);

        EsxcliFormatDetector.Detect(text).Should().Be(format);
        EncryptionSettingsParser.Parse(text).Should().Be(expected);
        EncryptionSettingsParser.Parse(text, format).Should().Be(expected);
    }

    [Fact]
    public void Parse_ModeNoneAndBooleansInAnyCase_ReturnsNone()
    {
        EncryptionSettingsParser.Parse(ParserFixtures.Read("esxcli/encryption-get-none.txt"))
            .Should().Be(new EncryptionSettings(ProtectionMode.None, false, false));
    }

    [Theory]
    [InlineData("   Mode: tpm\n   Require Secure Boot: TRUE\n   Require Executables Only From Installed VIBs: True\n", ProtectionMode.Tpm)]
    [InlineData("   Mode: None\n   Require Secure Boot: true\n   Require Executables Only From Installed VIBs: true\n   Some Later Field: 42\n", ProtectionMode.None)]
    public void Parse_TextInAnyOrderAndCase_ReadsByName(string output, ProtectionMode mode)
    {
        EncryptionSettingsParser.Parse(output).Should().Be(new EncryptionSettings(mode, true, true));
    }

    [Theory]
    [InlineData("", 1, "found nothing")]
    [InlineData("   Mode: TPM\n   Require Secure Boot: true\n", 2, "expected the field \"Require Executables Only From Installed VIBs\"")]
    [InlineData("   Mode: TPM2\n   Require Secure Boot: true\n   Require Executables Only From Installed VIBs: false\n", 1, "expected Mode TPM or NONE")]
    [InlineData("   Mode: TPM\n   Require Secure Boot: yes\n   Require Executables Only From Installed VIBs: false\n", 2, "expected true or false in the field \"Require Secure Boot\"")]
    [InlineData("   Mode: TPM\n   Mode: NONE\n", 2, "found a field twice")]
    [InlineData("   Mode: TPM\n   Require Secure Boot true\n", 2, "expected a \"Name: value\" line")]
    [InlineData("Mode,RequireExecutablesOnlyFromInstalledVIBs,RequireSecureBoot,\nTPM,false,true,\nTPM,false,true,\n", 3, "expected exactly one structure")]
    [InlineData("Mode,RequireExecutablesOnlyFromInstalledVIBs,RequireSecureBoot,\n", 1, "expected exactly one structure")]
    [InlineData("EncryptionSettings.Mode.string=TPM\nEncryptionSettings.RequireSecureBoot.boolean=maybe\n", 2, "expected true or false")]
    [InlineData("<output>\n<root>\n<structure>\n<field name=\"Mode\"><list type=\"string\"><string>TPM</string></list></field>\n</structure>\n</root>\n</output>\n", 4, "found a list or structure")]
    [InlineData("Unable to find requested formatter: json\n", 1, "expected the field \"Mode\"")]
    public void Parse_Garbage_ThrowsNamingLine(string output, int line, string expected)
    {
        var act = () => EncryptionSettingsParser.Parse(output);

        var error = act.Should().Throw<EsxcliParseException>().Which;
        error.LineNumber.Should().Be(line);
        error.Message.Should().StartWith($"line {line}: ").And.Contain(expected);
    }
}
