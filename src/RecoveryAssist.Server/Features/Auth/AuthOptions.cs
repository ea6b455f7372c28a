using Microsoft.Extensions.Options;

namespace RecoveryAssist.Server.Features.Auth;

/// <summary>Sign-in, sessions and separation of duties, section <c>RecoveryAssist:Auth</c>. Validated at start-up.</summary>
internal sealed class AuthOptions
{
    public const string Section = "RecoveryAssist:Auth";
    public const int DefaultSessionIdleMinutes = 8 * 60;
    public const int DefaultSessionMaxHours = 12;
    public const int DefaultSignInBurstPerAddress = 20;
    public const int DefaultSignInPerMinutePerAddress = 30;
    public const int DefaultSeparationWindowHours = 24;

    /// <summary>A sign-in session unused this long ends (default 480 minutes).</summary>
    public int SessionIdleMinutes { get; set; } = DefaultSessionIdleMinutes;

    /// <summary>A sign-in session ends this long after sign-in, used or not (default 12 hours).</summary>
    public int SessionMaxHours { get; set; } = DefaultSessionMaxHours;

    /// <summary>Sign-in attempts one source address may make at once (default 20) before it is slowed down.</summary>
    public int SignInBurstPerAddress { get; set; } = DefaultSignInBurstPerAddress;

    /// <summary>Sign-in attempts one source address may make per minute after the burst (default 30).</summary>
    public int SignInPerMinutePerAddress { get; set; } = DefaultSignInPerMinutePerAddress;

    /// <summary>
    /// An account created, or given its role, by the requester or the approver of a session less than this
    /// long before the session opened (default 24 hours) cannot reveal that session's key.
    /// </summary>
    public int SeparationWindowHours { get; set; } = DefaultSeparationWindowHours;

    /// <summary>
    /// People whose role approves sessions or reveals keys must have a TOTP second factor: until they enrol,
    /// a sign-in lets them only enrol (and sign out).
    /// </summary>
    public bool RequireTotp { get; set; }

    public TimeSpan SessionIdle => TimeSpan.FromMinutes(SessionIdleMinutes);

    public TimeSpan SessionMax => TimeSpan.FromHours(SessionMaxHours);

    public TimeSpan SeparationWindow => TimeSpan.FromHours(SeparationWindowHours);
}

internal sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var errors = new List<string>();
        if (options.SessionIdleMinutes is < 1 or > 7 * 24 * 60)
            errors.Add($"{AuthOptions.Section}:SessionIdleMinutes must be between 1 and 10080.");
        if (options.SessionMaxHours is < 1 or > 7 * 24)
            errors.Add($"{AuthOptions.Section}:SessionMaxHours must be between 1 and 168.");
        if (options.SignInBurstPerAddress is < 1 or > 10_000)
            errors.Add($"{AuthOptions.Section}:SignInBurstPerAddress must be between 1 and 10000.");
        if (options.SignInPerMinutePerAddress is < 1 or > 10_000)
            errors.Add($"{AuthOptions.Section}:SignInPerMinutePerAddress must be between 1 and 10000.");
        if (options.SeparationWindowHours is < 0 or > 24 * 365)
            errors.Add($"{AuthOptions.Section}:SeparationWindowHours must be between 0 and 8760.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
