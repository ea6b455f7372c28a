using RecoveryAssist.Core.Keys;

namespace RecoveryAssist.Core.Tests.Keys;

public class RecoveryIdTests
{
    [Theory]
    [InlineData("{2DDD5424-7F3F-406A-8DA8-D62630F6C8BC}")]
    [InlineData("2ddd5424-7f3f-406a-8da8-d62630f6c8bc")]
    [InlineData("  {2ddd5424-7F3F-406a-8DA8-d62630f6c8bc}\n")]
    public void Parse_BracedOrBareAnyCase_WritesUpperCaseInBraces(string text)
    {
        RecoveryId.Parse(text).ToString().Should().Be("{2DDD5424-7F3F-406A-8DA8-D62630F6C8BC}");
    }

    [Theory]
    [InlineData("")]
    [InlineData("2DDD5424-7F3F-406A-8DA8")]
    [InlineData("{2DDD5424-7F3F-406A-8DA8-D62630F6C8BC")]
    [InlineData("2DDD54247F3F406A8DA8D62630F6C8BC-")]
    [InlineData("478269-039194-473926-430939-686855-231401")]
    public void TryParse_NotAGuid_ReturnsFalse(string text)
    {
        RecoveryId.TryParse(text, out _).Should().BeFalse();
        FluentActions.Invoking(() => RecoveryId.Parse(text)).Should().Throw<FormatException>();
    }
}
