using RecoveryAssist.Tftp.Transfer;

namespace RecoveryAssist.Tftp.Tests.Transfer;

public sealed class OptionNegotiatorTests
{
    private static readonly NegotiationLimits Limits = new(MaxBlockSize: 8192, MaxWindowSize: 32, MaxWindowBytes: 65536, DefaultTimeout: TimeSpan.FromSeconds(2));

    private static NegotiatedOptions Negotiate(string options, long length = 1000)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        string[] parts = options.Length == 0 ? [] : options.Split(' ');
        for (int i = 0; i < parts.Length; i += 2)
        {
            pairs.Add(new(parts[i], parts[i + 1]));
        }

        return OptionNegotiator.Negotiate(pairs, length, Limits);
    }

    [Fact]
    public void Negotiate_NoOptions_PlainRfc1350WithoutOack()
    {
        NegotiatedOptions result = Negotiate("");

        result.OptionAck.Should().BeNull();
        result.BlockSize.Should().Be(512);
        result.WindowSize.Should().Be(1);
        result.Timeout.Should().Be(TimeSpan.FromSeconds(2));
        result.Describe().Should().Be("none");
    }

    [Theory]
    [InlineData("blksize 1468", "blksize=1468", 1468)]
    [InlineData("BLKSIZE 1468", "blksize=1468", 1468)]
    [InlineData("blksize 8", "blksize=8", 8)]
    [InlineData("blksize 7", "none", 512)]
    [InlineData("blksize 0", "none", 512)]
    [InlineData("blksize 65464", "blksize=8192", 8192)]
    [InlineData("blksize 99999999", "blksize=8192", 8192)]
    [InlineData("blksize -5", "none", 512)]
    [InlineData("blksize 0x10", "none", 512)]
    [InlineData("blksize 12345678901", "none", 512)]
    [InlineData("blksize 1024 blksize 2048", "blksize=1024", 1024)]
    public void Negotiate_BlockSize_ClampedOrIgnored(string options, string oack, int blockSize)
    {
        NegotiatedOptions result = Negotiate(options);

        result.Describe().Should().Be(oack);
        result.BlockSize.Should().Be(blockSize);
    }

    [Theory]
    [InlineData("windowsize 16", "windowsize=16", 16)]
    [InlineData("windowsize 1", "windowsize=1", 1)]
    [InlineData("windowsize 0", "none", 1)]
    [InlineData("windowsize 65535", "windowsize=32", 32)]
    [InlineData("windowsize 65536", "none", 1)]
    public void Negotiate_WindowSize_CappedByLimit(string options, string oack, int windowSize)
    {
        NegotiatedOptions result = Negotiate(options);

        result.Describe().Should().Be(oack);
        result.WindowSize.Should().Be(windowSize);
    }

    [Theory]
    [InlineData("windowsize 16 blksize 8192", "windowsize=8 blksize=8192", 8)]
    [InlineData("blksize 4096 windowsize 32", "blksize=4096 windowsize=16", 16)]
    [InlineData("blksize 65464 windowsize 2", "blksize=8192 windowsize=2", 2)]
    [InlineData("windowsize 32", "windowsize=32", 32)]
    public void Negotiate_WindowSize_CappedByWindowBytes(string options, string oack, int windowSize)
    {
        NegotiatedOptions result = Negotiate(options);

        result.Describe().Should().Be(oack);
        result.WindowSize.Should().Be(windowSize);
    }

    [Fact]
    public void Negotiate_BlockLargerThanWindowBytes_WindowOfOne()
    {
        var limits = Limits with { MaxBlockSize = 65464, MaxWindowBytes = 1024 };

        NegotiatedOptions result = OptionNegotiator.Negotiate([new("blksize", "65464"), new("windowsize", "4")], 10, limits);

        result.WindowSize.Should().Be(1);
        result.Describe().Should().Be("blksize=65464 windowsize=1");
    }

    [Theory]
    [InlineData("timeout 1", "timeout=1", 1)]
    [InlineData("timeout 5", "timeout=5", 5)]
    [InlineData("timeout 0", "none", 2)]
    [InlineData("timeout 256", "none", 2)]
    public void Negotiate_Timeout_AcceptedOnlyInRange(string options, string oack, int seconds)
    {
        NegotiatedOptions result = Negotiate(options);

        result.Describe().Should().Be(oack);
        result.Timeout.Should().Be(TimeSpan.FromSeconds(seconds));
    }

    [Fact]
    public void Negotiate_TransferSize_AnsweredWithFileLength()
    {
        Negotiate("tsize 0", length: 123456).Describe().Should().Be("tsize=123456");
    }

    [Fact]
    public void Negotiate_TransferSizeOfEmptyFile_NotAcknowledged()
    {
        Negotiate("tsize 0", length: 0).OptionAck.Should().BeNull();
    }

    [Fact]
    public void Negotiate_UnknownOptions_Ignored()
    {
        NegotiatedOptions result = Negotiate("multicast 1 rollover 0 blksize 1468 utimeout 5000");

        result.Describe().Should().Be("blksize=1468");
    }

    [Fact]
    public void Negotiate_AllOptions_AcknowledgedInRequestOrder()
    {
        Negotiate("windowsize 8 tsize 0 timeout 3 blksize 1468", length: 5)
            .Describe().Should().Be("windowsize=8 tsize=5 timeout=3 blksize=1468");
    }
}
