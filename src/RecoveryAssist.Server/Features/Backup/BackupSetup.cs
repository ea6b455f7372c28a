using Microsoft.Extensions.Options;

namespace RecoveryAssist.Server.Features.Backup;

internal static class BackupSetup
{
    public static IServiceCollection AddBackup(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<BackupOptions>().Bind(configuration.GetSection(BackupOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<BackupOptions>, BackupOptionsValidator>();
        services.AddSingleton<BackupStatus>();
        services.AddSingleton<BackupService>();
        services.AddHostedService<BackupScheduler>();
        return services;
    }
}
