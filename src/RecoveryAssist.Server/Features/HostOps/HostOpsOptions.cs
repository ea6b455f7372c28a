using Microsoft.Extensions.Options;

namespace RecoveryAssist.Server.Features.HostOps;

/// <summary>Host operations over SSH, section <c>RecoveryAssist:HostOps</c>.</summary>
internal sealed class HostOpsOptions
{
    public const string Section = "RecoveryAssist:HostOps";
    public const int DefaultConnectTimeoutSeconds = 15;
    public const int DefaultCommandTimeoutSeconds = 120;
    public const int DefaultMaxConcurrency = 32;
    public const int DefaultMaxAttempts = 3;
    public const int DefaultRetryDelayMilliseconds = 2000;
    public const int DefaultMaxRetryDelaySeconds = 300;
    public const int DefaultCriticalMaxAttempts = 20;
    public const int DefaultWaitForSshSeconds = 1800;
    public const int DefaultWaitForSshPollSeconds = 10;
    public const int DefaultRecoveryWatchSeconds = 30;
    public const int DefaultFactsRefreshHours = 24;

    /// <summary>TCP connect plus SSH handshake and authentication.</summary>
    public int ConnectTimeoutSeconds { get; set; } = DefaultConnectTimeoutSeconds;

    /// <summary>One command; a command that does not answer closes its connection.</summary>
    public int CommandTimeoutSeconds { get; set; } = DefaultCommandTimeoutSeconds;

    /// <summary>SSH connections open at once (all jobs together).</summary>
    public int MaxConcurrency { get; set; } = DefaultMaxConcurrency;

    /// <summary>Attempts of a step that failed on a lost connection, a timeout or a command error, before the job fails.</summary>
    public int MaxAttempts { get; set; } = DefaultMaxAttempts;

    /// <summary>The first retry's delay; each further retry doubles it, up to <see cref="MaxRetryDelaySeconds"/>.</summary>
    public int RetryDelayMilliseconds { get; set; } = DefaultRetryDelayMilliseconds;

    public int MaxRetryDelaySeconds { get; set; } = DefaultMaxRetryDelaySeconds;

    /// <summary>
    /// Attempts of the steps between a rotate and the escrow of the new key. The key on the host may be
    /// one the escrow does not hold yet, so these steps try much longer before the job stops (with an alert).
    /// </summary>
    public int CriticalMaxAttempts { get; set; } = DefaultCriticalMaxAttempts;

    /// <summary>How long the post-recovery job waits for the host to answer SSH.</summary>
    public int WaitForSshSeconds { get; set; } = DefaultWaitForSshSeconds;

    public int WaitForSshPollSeconds { get; set; } = DefaultWaitForSshPollSeconds;

    /// <summary>
    /// A collection reads the key and the policy every time, and the host's facts (boot.cfg, platform,
    /// NICs, version) when they were last read longer ago than this; 0 reads them every time. Each command
    /// costs the host a process; keys change, identities rarely.
    /// </summary>
    public int FactsRefreshHours { get; set; } = DefaultFactsRefreshHours;

    /// <summary>Collect every host with SSH access this often; 0 (default) turns scheduled collection off.</summary>
    public int CollectIntervalMinutes { get; set; }

    /// <summary>Rotate a host's key when its current version is older than this; 0 (default) turns the policy off.</summary>
    public int RotationPolicyDays { get; set; }

    /// <summary>How often revealed recovery sessions are checked, to start their post-recovery job; 0 turns this off.</summary>
    public int RecoveryWatchSeconds { get; set; } = DefaultRecoveryWatchSeconds;

    public TimeSpan ConnectTimeout => TimeSpan.FromSeconds(ConnectTimeoutSeconds);

    public TimeSpan CommandTimeout => TimeSpan.FromSeconds(CommandTimeoutSeconds);

    public TimeSpan WaitForSsh => TimeSpan.FromSeconds(WaitForSshSeconds);

    public TimeSpan WaitForSshPoll => TimeSpan.FromSeconds(WaitForSshPollSeconds);

    public RetryPolicy Retry => new(MaxAttempts, CriticalMaxAttempts, TimeSpan.FromMilliseconds(RetryDelayMilliseconds), TimeSpan.FromSeconds(MaxRetryDelaySeconds));
}

internal sealed class HostOpsOptionsValidator : IValidateOptions<HostOpsOptions>
{
    public ValidateOptionsResult Validate(string? name, HostOpsOptions options)
    {
        var errors = new List<string>();
        void Range(string field, int value, int min, int max)
        {
            if (value < min || value > max)
                errors.Add($"{HostOpsOptions.Section}:{field} must be between {min} and {max}.");
        }
        Range(nameof(options.ConnectTimeoutSeconds), options.ConnectTimeoutSeconds, 1, 300);
        Range(nameof(options.CommandTimeoutSeconds), options.CommandTimeoutSeconds, 1, 3600);
        Range(nameof(options.MaxConcurrency), options.MaxConcurrency, 1, 1024);
        Range(nameof(options.MaxAttempts), options.MaxAttempts, 1, 100);
        Range(nameof(options.RetryDelayMilliseconds), options.RetryDelayMilliseconds, 1, 600_000);
        Range(nameof(options.MaxRetryDelaySeconds), options.MaxRetryDelaySeconds, 1, 86_400);
        Range(nameof(options.CriticalMaxAttempts), options.CriticalMaxAttempts, options.MaxAttempts, 10_000);
        Range(nameof(options.WaitForSshSeconds), options.WaitForSshSeconds, 1, 7 * 86_400);
        Range(nameof(options.WaitForSshPollSeconds), options.WaitForSshPollSeconds, 1, 3600);
        Range(nameof(options.CollectIntervalMinutes), options.CollectIntervalMinutes, 0, 7 * 24 * 60);
        Range(nameof(options.RotationPolicyDays), options.RotationPolicyDays, 0, 3650);
        Range(nameof(options.RecoveryWatchSeconds), options.RecoveryWatchSeconds, 0, 3600);
        Range(nameof(options.FactsRefreshHours), options.FactsRefreshHours, 0, 24 * 365);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
