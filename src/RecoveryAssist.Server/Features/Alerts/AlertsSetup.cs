using Microsoft.Extensions.Options;
using RecoveryAssist.Server.Features.Alerts.Delivery;
using RecoveryAssist.Server.Features.Escrow;

namespace RecoveryAssist.Server.Features.Alerts;

internal static class AlertsSetup
{
    public static IServiceCollection AddAlerts(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DeliveryOptions>().Bind(configuration.GetSection(DeliveryOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DeliveryOptions>, DeliveryOptionsValidator>();
        services.AddSingleton<AlertService>();
        services.AddSingleton<ISharedKeyListener, SharedKeyAlerts>();
        services.AddSingleton<IChannelSender, WebhookSender>();
        services.AddSingleton<IChannelSender, EmailSender>();
        services.AddSingleton<IChannelSender, SyslogSender>();
        services.AddSingleton<AlertDelivery>();
        services.AddSingleton<IAlertListener>(sp => sp.GetRequiredService<AlertDelivery>());
        services.AddHostedService<AlertDeliveryWorker>();
        return services;
    }

    public static void MapAlerts(this IEndpointRouteBuilder app)
    {
        app.MapAlertEndpoints();
        app.MapAlertChannelEndpoints();
    }
}
