using RecoveryAssist.Core.Esxcli;

namespace RecoveryAssist.Core.Tests.Esxcli;

public class EncryptionSettingsParserTests
{
    [Theory]
    [InlineData("encryption-get.txt", EsxcliFormat.Table)]
    [InlineData("encryption-get.csv", EsxcliFormat.Csv)]
    [InlineData("encryption-get.keyvalue", EsxcliFormat.KeyValue)]
    [InlineData("encryption-get.xml", EsxcliFormat.Xml)]
    public void Parse_GoldenFile_ReadsSettings(string file, EsxcliFormat format)
    {
        var output = Fixture.Read("esxcli/" + file);

        EsxcliFormatDetector.Detect(output).Should().Be(format);
        EncryptionSettingsParser.Parse(output).Should().Be(new EncryptionSettings(ProtectionMode.Tpm, RequireSecureBoot: true, RequireExecutablesOnlyFromInstalledVibs: false));
    }

    [Fact]
    public void Parse_ModeNoneAndUnknownField_ReadsKnownFields()
    {
        var output = "   Mode: NONE\n   Require Executables Only From Installed VIBs: true\n   Require Secure Boot: false\n   Some Future Field: 1\n";

        EncryptionSettingsParser.Parse(output).Should().Be(new EncryptionSettings(ProtectionMode.None, false, true));
    }

    [Theory]
    [InlineData("   Mode: TPM\n   Require Secure Boot: true\n", "line 1: expected a 'Require Executables Only From Installed VIBs' field")]
    [InlineData("   Mode: MAYBE\n   Require Executables Only From Installed VIBs: false\n   Require Secure Boot: true\n", "line 1: Mode: expected TPM or NONE")]
    [InlineData("   Mode: TPM\n   Require Executables Only From Installed VIBs: false\n   Require Secure Boot: yes\n", "line 3: Require Secure Boot: expected true or false")]
    [InlineData("   Mode: TPM\n   garbage\n", "line 2: expected 'Name: value'")]
    [InlineData("Mode,RequireSecureBoot,\nTPM,true,\nNONE,false,\n", "line 3: expected one settings structure")]
    [InlineData("\n\n", "the output is empty")]
    public void Parse_Garbage_ErrorNamesLine(string output, string expected)
    {
        FluentActions.Invoking(() => EncryptionSettingsParser.Parse(output)).Should().Throw<EsxcliParseException>().WithMessage($"*{expected}*");
    }
}
