using Microsoft.Extensions.Options;

namespace RecoveryAssist.Server.Features.Alerts.Delivery;

/// <summary>Alert delivery, section <c>RecoveryAssist:Alerts</c>.</summary>
internal sealed class DeliveryOptions
{
    public const string Section = "RecoveryAssist:Alerts";
    public const int DefaultMaxAttempts = 10;
    public const int DefaultFirstRetryMilliseconds = 1000;
    public const int DefaultMaxRetrySeconds = 300;
    public const int DefaultSendTimeoutSeconds = 10;

    /// <summary>Attempts per notification before it is given up (visible on the channel; logged as an error). Default 10 (about 17 min with the default backoff).</summary>
    public int MaxAttempts { get; set; } = DefaultMaxAttempts;

    /// <summary>The first retry's delay; each next one doubles, up to <see cref="MaxRetrySeconds"/>.</summary>
    public int FirstRetryMilliseconds { get; set; } = DefaultFirstRetryMilliseconds;

    public int MaxRetrySeconds { get; set; } = DefaultMaxRetrySeconds;

    /// <summary>One attempt's time limit: a channel that hangs is cut off and retried.</summary>
    public int SendTimeoutSeconds { get; set; } = DefaultSendTimeoutSeconds;

    public TimeSpan FirstRetry => TimeSpan.FromMilliseconds(FirstRetryMilliseconds);

    public TimeSpan MaxRetry => TimeSpan.FromSeconds(MaxRetrySeconds);

    public TimeSpan SendTimeout => TimeSpan.FromSeconds(SendTimeoutSeconds);
}

internal sealed class DeliveryOptionsValidator : IValidateOptions<DeliveryOptions>
{
    public ValidateOptionsResult Validate(string? name, DeliveryOptions options)
    {
        var errors = new List<string>();
        if (options.MaxAttempts is < 1 or > 100)
            errors.Add($"{DeliveryOptions.Section}:{nameof(options.MaxAttempts)} must be between 1 and 100.");
        if (options.FirstRetryMilliseconds is < 10 or > 3_600_000)
            errors.Add($"{DeliveryOptions.Section}:{nameof(options.FirstRetryMilliseconds)} must be between 10 and 3600000.");
        if (options.MaxRetrySeconds is < 1 or > 86_400)
            errors.Add($"{DeliveryOptions.Section}:{nameof(options.MaxRetrySeconds)} must be between 1 and 86400.");
        if (options.SendTimeoutSeconds is < 1 or > 300)
            errors.Add($"{DeliveryOptions.Section}:{nameof(options.SendTimeoutSeconds)} must be between 1 and 300.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
