using Microsoft.Extensions.Options;

namespace RecoveryAssist.Server.Features.Metrics;

/// <summary>Settings of <c>/metrics</c>, section <c>RecoveryAssist:Metrics</c>.</summary>
internal sealed class MetricsOptions
{
    public const string Section = "RecoveryAssist:Metrics";
    public const int DefaultStoreRefreshSeconds = 15;

    /// <summary>
    /// How long the figures read from the store (hosts, jobs, sessions, alerts, audit) are reused between
    /// scrapes; 0 reads them on every scrape. Counters of the running process (HTTP, TFTP) are always live.
    /// </summary>
    public int StoreRefreshSeconds { get; set; } = DefaultStoreRefreshSeconds;
}

internal sealed class MetricsOptionsValidator : IValidateOptions<MetricsOptions>
{
    public ValidateOptionsResult Validate(string? name, MetricsOptions options) =>
        options.StoreRefreshSeconds is < 0 or > 3600
            ? ValidateOptionsResult.Fail($"{MetricsOptions.Section}:StoreRefreshSeconds must be between 0 and 3600.")
            : ValidateOptionsResult.Success;
}
