using System.Text;
using RecoveryAssist.Tftp.Files;

namespace RecoveryAssist.Tftp.Tests.Files;

public sealed class NetasciiTests
{
    [Theory]
    [InlineData("", "")]
    [InlineData("abc", "abc")]
    [InlineData("a\nb\n", "a\r\nb\r\n")]
    [InlineData("a\rb", "a\r\0b")]
    [InlineData("a\r\nb", "a\r\0\r\nb")]
    public void Encode_Text_ConvertsLineEnds(string input, string expected)
    {
        Netascii.Encode(Encoding.ASCII.GetBytes(input)).Should().Equal(Encoding.ASCII.GetBytes(expected));
    }
}
