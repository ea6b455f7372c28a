using Microsoft.Extensions.Options;

namespace RecoveryAssist.Server.Features.Policy;

/// <summary>TPM policy management, section <c>RecoveryAssist:Policy</c>.</summary>
internal sealed class PolicyOptions
{
    public const string Section = "RecoveryAssist:Policy";
    public const int DefaultKeyVerifiedWithinHours = 24;
    public const int DefaultRecheckSeconds = 60;

    /// <summary>
    /// A policy change is refused (unless an admin forces it) on a host in Mode TPM whose current key the
    /// escrow does not hold, or last saw on the host longer ago than this: a boot that fails after the
    /// change needs that key. The job itself reads and escrows the key again before it changes anything.
    /// </summary>
    public int KeyVerifiedWithinHours { get; set; } = DefaultKeyVerifiedWithinHours;

    /// <summary>How often a job waiting for a person (firmware, reboot) looks at the host again by itself.</summary>
    public int RecheckSeconds { get; set; } = DefaultRecheckSeconds;

    public TimeSpan KeyMaxAge => TimeSpan.FromHours(KeyVerifiedWithinHours);

    public TimeSpan Recheck => TimeSpan.FromSeconds(RecheckSeconds);
}

internal sealed class PolicyOptionsValidator : IValidateOptions<PolicyOptions>
{
    public ValidateOptionsResult Validate(string? name, PolicyOptions options)
    {
        var errors = new List<string>();
        if (options.KeyVerifiedWithinHours is < 1 or > 24 * 365)
            errors.Add($"{PolicyOptions.Section}:{nameof(options.KeyVerifiedWithinHours)} must be between 1 and {24 * 365}.");
        if (options.RecheckSeconds is < 1 or > 24 * 3600)
            errors.Add($"{PolicyOptions.Section}:{nameof(options.RecheckSeconds)} must be between 1 and {24 * 3600}.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
