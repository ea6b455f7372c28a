using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace RecoveryAssist.Tftp;

/// <summary>Hosting of the TFTP server in an application with dependency injection. The host
/// registers its own <see cref="Files.ITftpFileProvider"/>.</summary>
public static class TftpServiceCollectionExtensions
{
    public static IServiceCollection AddTftpServer(this IServiceCollection services, Action<TftpServerOptions> configure)
    {
        services.AddOptions<TftpServerOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TftpServerOptions>, TftpServerOptionsValidator>());
        services.TryAddSingleton<TftpServer>();
        services.AddHostedService(provider => provider.GetRequiredService<TftpServer>());
        return services;
    }
}
