using Microsoft.Extensions.Options;

namespace RecoveryAssist.Server.Features.HostOps;

internal static class HostOpsSetup
{
    public static IServiceCollection AddHostOps(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HostOpsOptions>().Bind(configuration.GetSection(HostOpsOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<HostOpsOptions>, HostOpsOptionsValidator>();
        services.AddSingleton<HostSshAccess>();
        services.AddSingleton<ISshConnector, SshNetConnector>();
        services.AddSingleton<JobStore>();
        services.AddSingleton<IRecoveryHandoff, RecoverySessionHandoff>();
        services.AddSingleton<StepExecutor>();
        services.AddSingleton<JobRunner>();
        services.AddHostedService(sp => sp.GetRequiredService<JobRunner>());
        services.AddSingleton<HostOpsService>();
        services.AddHostedService<HostOpsScheduler>();
        return services;
    }
}
