using Microsoft.Extensions.Options;
using RecoveryAssist.Server.Features.HostOps;

namespace RecoveryAssist.Server.Features.Policy;

internal static class PolicySetup
{
    public static IServiceCollection AddPolicy(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PolicyOptions>().Bind(configuration.GetSection(PolicyOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PolicyOptions>, PolicyOptionsValidator>();
        services.AddSingleton<DesiredPolicyStore>();
        services.AddSingleton<PolicySavedStore>();
        services.AddSingleton<IJobObserver, PolicySaveWatch>();
        services.AddSingleton<PolicyService>();
        // Host operations run the policy jobs' steps through this hook.
        services.AddSingleton<IJobStepHandler, PolicySteps>();
        return services;
    }
}
