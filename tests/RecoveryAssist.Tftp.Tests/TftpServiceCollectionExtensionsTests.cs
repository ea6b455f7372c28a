using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using RecoveryAssist.Tftp.Files;

namespace RecoveryAssist.Tftp.Tests;

public sealed class TftpServiceCollectionExtensionsTests
{
    [Fact]
    public async Task AddTftpServer_Registered_HostedServiceIsTheServer()
    {
        await using ServiceProvider provider = new ServiceCollection()
            .AddSingleton<ITftpFileProvider>(new TftpFileMap())
            .AddTftpServer(o => o.Port = 0)
            .BuildServiceProvider();

        provider.GetServices<IHostedService>().Should().ContainSingle().Which.Should().BeSameAs(provider.GetRequiredService<TftpServer>());
    }

    [Fact]
    public void AddTftpServer_InvalidOptions_ValidationReportsThem()
    {
        using ServiceProvider provider = new ServiceCollection()
            .AddTftpServer(o => o.MaxBlockSize = 1)
            .BuildServiceProvider();

        var act = () => provider.GetRequiredService<IOptions<TftpServerOptions>>().Value;

        act.Should().Throw<OptionsValidationException>().WithMessage("*MaxBlockSize*");
    }
}
