namespace RecoveryAssist.Server.Features.Escrow;

internal static class EscrowSetup
{
    /// <summary>The escrow and the narrow stores other features read hosts and key versions through.</summary>
    public static IServiceCollection AddEscrow(this IServiceCollection services) => services
        .AddSingleton<HostStore>()
        .AddSingleton<KeyVersionStore>()
        .AddSingleton<EscrowService>()
        .AddSingleton<EscrowReports>()
        .AddHostedService<FingerprintBackfill>();
}
