using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using RecoveryAssist.Server.Features.Auth;

namespace RecoveryAssist.Server.Features.Metrics;

/// <summary>
/// <c>/metrics</c>: the process's <see cref="System.Diagnostics.Metrics"/> meters (ASP.NET Core's HTTP
/// meters, the TFTP server's, the appliance's gauges, the backup's) in Prometheus text format through
/// OpenTelemetry's exporter, for callers with <see cref="Permission.MetricsRead"/>.
/// </summary>
internal static class MetricsSetup
{
    public const string Path = "/metrics";
    public const string ServiceName = "recoveryassist";

    public static IServiceCollection AddRecoveryAssistMetrics(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MetricsOptions>().Bind(configuration.GetSection(MetricsOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MetricsOptions>, MetricsOptionsValidator>();
        services.AddSingleton<StoreFiguresReader>();
        services.AddSingleton<ApplianceGauges>();
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName))
            .WithMetrics(metrics => metrics
            .AddMeter(ApplianceGauges.MeterName, ApplianceGauges.MeterName + ".*", "RecoveryAssist.Tftp",
                "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
            // Store figures have their own refresh period; the exporter's response cache would only add to it.
            .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
        return services;
    }

    public static void MapMetricsEndpoint(this WebApplication app)
    {
        // The gauges register with the meter when first built: build them before the first scrape.
        app.Services.GetRequiredService<ApplianceGauges>();
        app.MapPrometheusScrapingEndpoint(Path).RequirePermission(Permission.MetricsRead).WithTags("Metrics");
    }
}
