using RecoveryAssist.Core.Esxcli;

namespace RecoveryAssist.Core.Tests.Esxcli;

public class EsxcliFormatDetectorTests
{
    [Theory]
    [InlineData("<?xml version=\"1.0\"?><output/>", EsxcliFormat.Xml)]
    [InlineData("  \n<output/>", EsxcliFormat.Xml)]
    [InlineData("VersionGet.Build.string=Releasebuild-1\n", EsxcliFormat.KeyValue)]
    [InlineData("structure[12].Some.Type.Field.string=x\n", EsxcliFormat.KeyValue)]
    [InlineData("Key,RecoveryID,\n", EsxcliFormat.Csv)]
    [InlineData("Mode,RequireSecureBoot\n", EsxcliFormat.Csv)]
    [InlineData("Name    MAC Address\n------  -----------\n", EsxcliFormat.Table)]
    [InlineData("   Mode: TPM\n", EsxcliFormat.Table)]
    [InlineData("Platform Information\n   UUID: 0x4c 0x4c\n", EsxcliFormat.Table)]
    public void Detect_KnownShape_ReturnsFormat(string output, EsxcliFormat expected)
    {
        EsxcliFormatDetector.Detect(output).Should().Be(expected);
    }

    [Theory]
    [InlineData("", 1)]
    [InlineData("\n\n   \n", 1)]
    [InlineData("just words\n", 1)]
    [InlineData("\n\n{\"Mode\": \"TPM\"}\n", 3)]
    [InlineData("Key;RecoveryID\n", 1)]
    public void Detect_NothingFits_ThrowsNamingLine(string output, int line)
    {
        var act = () => EsxcliFormatDetector.Detect(output);

        act.Should().Throw<EsxcliParseException>().Which.LineNumber.Should().Be(line);
    }
}
