namespace RecoveryAssist.Server.Features.Alerts;

internal static class AlertsSetup
{
    public static IServiceCollection AddAlerts(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddSingleton<AlertService>();
        return services;
    }
}
