using RecoveryAssist.Tftp.Files;

namespace RecoveryAssist.Tftp.Tests.Files;

public sealed class TftpFileNameValidatorTests
{
    [Theory]
    [InlineData("undionly.kpxe")]
    [InlineData("ipxe/snponly.efi")]
    [InlineData("a..b")]
    [InlineData("..a/b")]
    [InlineData("host-00:50:56:aa:bb:cc.ipxe")]
    [InlineData("./boot.cfg")]
    public void Validate_ServableName_ReturnsNull(string name)
    {
        TftpFileNameValidator.Validate(name, 255).Should().BeNull();
    }

    [Theory]
    [InlineData("", "empty file name")]
    [InlineData("/etc/passwd", "absolute path")]
    [InlineData("C:/boot.ini", "absolute path")]
    [InlineData("..", "'..' segment in file name")]
    [InlineData("../secret", "'..' segment in file name")]
    [InlineData("ipxe/../../secret", "'..' segment in file name")]
    [InlineData("ipxe/..", "'..' segment in file name")]
    [InlineData("ipxe\\undionly.kpxe", "backslash in file name")]
    [InlineData("..\\secret", "backslash in file name")]
    [InlineData("a\0b", "NUL in file name")]
    [InlineData("a\nb", "control character in file name")]
    [InlineData("a\u007fb", "control character in file name")]
    [InlineData("a\u0085b", "control character in file name")]
    public void Validate_DangerousName_ReturnsReason(string name, string reason)
    {
        TftpFileNameValidator.Validate(name, 255).Should().Be(reason);
    }

    [Fact]
    public void Validate_OverlongName_ReturnsReason()
    {
        TftpFileNameValidator.Validate(new string('a', 256), 255).Should().Be("file name longer than 255 characters");
        TftpFileNameValidator.Validate(new string('a', 255), 255).Should().BeNull();
    }
}
