namespace RecoveryAssist.Tftp.Tests;

public sealed class TftpServerOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Succeed()
    {
        new TftpServerOptionsValidator().Validate(null, new TftpServerOptions()).Succeeded.Should().BeTrue();
    }

    [Fact]
    public void Validate_ManyBadValues_ReportsEveryOneAtOnce()
    {
        var options = new TftpServerOptions
        {
            ListenAddress = "not-an-ip",
            Port = 70000,
            MaxBlockSize = 100,
            MaxWindowSize = 0,
            MaxWindowBytes = 1,
            Timeout = TimeSpan.FromMilliseconds(1),
            MaxRetries = -1,
            MaxConcurrentTransfers = 0,
            MaxFileNameLength = 0,
            SocketBufferSize = 10,
            BusyPollMicroseconds = 5000,
        };

        var result = new TftpServerOptionsValidator().Validate(null, options);

        result.Failed.Should().BeTrue();
        result.Failures.Should().HaveCount(11);
        result.Failures.Should().Contain(f => f.Contains("Tftp:Port 70000", StringComparison.Ordinal));
    }

    [Fact]
    public void Constructor_InvalidOptions_Throws()
    {
        var act = () => new TftpServer(
            Microsoft.Extensions.Options.Options.Create(new TftpServerOptions { MaxRetries = 1000 }),
            new RecoveryAssist.Tftp.Files.TftpFileMap());

        act.Should().Throw<Microsoft.Extensions.Options.OptionsValidationException>().WithMessage("*MaxRetries*");
    }
}
