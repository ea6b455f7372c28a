using Microsoft.Extensions.Options;
using RecoveryAssist.Server.Storage;

namespace RecoveryAssist.Server.Features.Audit;

/// <summary>The audit trail's surroundings: the integrity check at start and the copy off the data directory.</summary>
internal static class AuditSetup
{
    public static IServiceCollection AddAuditTrail(this IServiceCollection services)
    {
        services.AddOptions<AuditSinkOptions>().BindConfiguration(AuditSinkOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuditSinkOptions>, AuditSinkOptionsValidator>();
        services.AddSingleton<StoreIntegrity>();
        services.AddSingleton<AuditSink>();
        services.AddHostedService<StartupIntegrityCheck>();
        return services;
    }

    /// <summary>The sink for <see cref="AuditLog"/>, or null when no copy is configured.</summary>
    public static AuditSink? SinkOrNull(IServiceProvider services) =>
        services.GetRequiredService<IOptions<AuditSinkOptions>>().Value.Enabled ? services.GetRequiredService<AuditSink>() : null;
}

/// <summary>Runs the store check before the appliance starts answering, so /healthz tells the truth from the first request.</summary>
internal sealed class StartupIntegrityCheck(StoreIntegrity integrity, AppDatabase database, AuditLog audit) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        integrity.CheckStore(database, audit);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
