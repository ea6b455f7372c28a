using RecoveryAssist.Core.Boot;

namespace RecoveryAssist.Core.Tests.Boot;

public class BootConfigTests
{
    private static string Fixture(string name) => Tests.Fixture.Read(Path.Combine("boot", name));

    [Theory]
    [InlineData("installed-8.0u2.cfg")]
    [InlineData("installer-iso.cfg")]
    public void Write_UnchangedConfig_RoundTripsByteForByte(string name)
    {
        var text = Fixture(name);

        BootConfig.Parse(text).Write().Should().Be(text);
    }

    [Fact]
    public void Parse_InstalledHost_TypedAccess()
    {
        var config = BootConfig.Parse(Fixture("installed-8.0u2.cfg"));

        config.Kernel.Should().Be("b.b00");
        config.KernelOpt.Should().Be("autoPartition=FALSE");
        config.Prefix.Should().BeEmpty();
        config.Title.Should().Be("Loading VMware ESXi");
        config.Timeout.Should().Be(5);
        config.BootState.Should().Be(BootState.Valid);
        config.Build.Should().Be("8.0.2-0.0.22380479");
        config.Updated.Should().Be(3);
        config.Modules.Should().HaveCount(15).And.StartWith("jumpstrt.gz").And.EndWith("state.tgz");
    }

    [Fact]
    public void Set_KernelOptAndPrefix_ChangesOnlyThoseLinesAndKeepsCommentsUnknownKeysAndLineEndings()
    {
        var original = Fixture("installer-iso.cfg");
        var config = BootConfig.Parse(original);

        config.KernelOpt = "runweasel cdromBoot encryptionRecoveryKey=1";
        config.Prefix = "http://192.0.2.10:8080/images/8.0u2";

        var expected = original
            .Replace("kernelopt=runweasel cdromBoot\r\n", "kernelopt=runweasel cdromBoot encryptionRecoveryKey=1\r\n", StringComparison.Ordinal)
            .Replace("prefix=/esxi/8.0u2\r\n", "prefix=http://192.0.2.10:8080/images/8.0u2\r\n", StringComparison.Ordinal);
        config.Write().Should().Be(expected);
        config.Get("customvendorkey").Should().Be("kept as is");
    }

    [Fact]
    public void Modules_Set_JoinsWithSeparator()
    {
        var config = BootConfig.Parse("kernel=b.b00\n");

        config.Modules = ["a.gz", "b.v00"];

        config.Write().Should().Be("kernel=b.b00\nmodules=a.gz --- b.v00\n");
    }

    [Fact]
    public void Get_DuplicateKey_LastWinsAndSetRewritesLast()
    {
        var config = BootConfig.Parse("timeout=5\ntimeout=9\n");

        config.Timeout.Should().Be(9);
        config.Timeout = 1;
        config.Write().Should().Be("timeout=5\ntimeout=1\n");
    }

    [Fact]
    public void Clone_Changed_LeavesOriginalUntouched()
    {
        var config = BootConfig.Parse("kernelopt=a\n");
        var copy = config.Clone();

        copy.KernelOpt = "b";

        config.KernelOpt.Should().Be("a");
    }

    [Theory]
    [InlineData("kernel=b.b00\nthis line has no equals\n", 2)]
    [InlineData("=value\n", 1)]
    [InlineData("title=x\nbad key=1\n", 2)]
    public void Parse_LineNotUnderstood_NamesTheLine(string text, int line)
    {
        var act = () => BootConfig.Parse(text);

        act.Should().Throw<BootConfigFormatException>()
            .Where(e => e.LineNumber == line && e.Message.StartsWith($"boot.cfg line {line}:"));
    }

    [Fact]
    public void Set_ValueWithNewline_IsRefused()
    {
        var config = BootConfig.Parse("");

        config.Invoking(c => c.Set("kernelopt", "a\nkernel=evil")).Should().Throw<ArgumentException>();
    }

    [Fact]
    public void ToString_ConfigWithKeyInKernelOpt_DoesNotPrintContent()
    {
        BootConfig.Parse("kernelopt=encryptionRecoveryKey=478269\n").ToString().Should().NotContain("478269");
    }
}
