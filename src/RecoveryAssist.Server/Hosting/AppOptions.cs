using Microsoft.Extensions.Options;

namespace RecoveryAssist.Server.Hosting;

/// <summary>The appliance's own settings, section <c>RecoveryAssist</c>. Secrets are never read from here.</summary>
internal sealed class AppOptions
{
    public const string Section = "RecoveryAssist";
    public const string DefaultDataDirectory = "data";
    public const string DefaultUrl = "http://127.0.0.1:8080";
    public const int DefaultLockoutThreshold = 5;
    public const int DefaultLockoutMinutes = 15;
    public const int DefaultStaleKeyDays = 30;
    public const long DefaultMaxRequestBytes = 8 * 1024 * 1024;
    public const long DefaultMaxBulkRequestBytes = 256 * 1024 * 1024;

    /// <summary>Where the store and (unless configured elsewhere) the key-encryption key live. Environment: RECOVERYASSIST_DATA.</summary>
    public string DataDirectory { get; set; } = DefaultDataDirectory;

    /// <summary>The key-encryption key file; default <c>&lt;DataDirectory&gt;/kek.key</c>. Environment RECOVERYASSIST_KEK (base64) takes precedence.</summary>
    public string? KekFile { get; set; }

    /// <summary>Failed sign-ins in a row before an account is locked.</summary>
    public int LockoutThreshold { get; set; } = DefaultLockoutThreshold;

    /// <summary>How long a locked account stays locked.</summary>
    public int LockoutMinutes { get; set; } = DefaultLockoutMinutes;

    /// <summary>A key not verified for this many days is "stale" in the coverage report.</summary>
    public int StaleKeyDays { get; set; } = DefaultStaleKeyDays;

    /// <summary>Upper bound of a request body, except bulk imports.</summary>
    public long MaxRequestBytes { get; set; } = DefaultMaxRequestBytes;

    /// <summary>Upper bound of a bulk import's request body.</summary>
    public long MaxBulkRequestBytes { get; set; } = DefaultMaxBulkRequestBytes;

    /// <summary>
    /// Enforce the per-group check of recovery keys, or only warn. The check is observed, not documented
    /// (esxi-reference.md): Warn is the switch for the day a real key disagrees with it.
    /// </summary>
    public RecoveryAssist.Core.Keys.KeyCheck GroupCheck { get; set; } = RecoveryAssist.Core.Keys.KeyCheck.Enforce;

    public string ResolveKekFile() => KekFile ?? Path.Combine(DataDirectory, "kek.key");
}

internal sealed class AppOptionsValidator : IValidateOptions<AppOptions>
{
    public ValidateOptionsResult Validate(string? name, AppOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
            errors.Add("RecoveryAssist:DataDirectory must name a directory.");
        if (options.LockoutThreshold is < 1 or > 100)
            errors.Add("RecoveryAssist:LockoutThreshold must be between 1 and 100.");
        if (options.LockoutMinutes is < 1 or > 24 * 60)
            errors.Add("RecoveryAssist:LockoutMinutes must be between 1 and 1440.");
        if (options.StaleKeyDays is < 1 or > 3650)
            errors.Add("RecoveryAssist:StaleKeyDays must be between 1 and 3650.");
        if (options.MaxRequestBytes < 1024)
            errors.Add("RecoveryAssist:MaxRequestBytes must be at least 1024.");
        if (options.MaxBulkRequestBytes < options.MaxRequestBytes)
            errors.Add("RecoveryAssist:MaxBulkRequestBytes must be at least MaxRequestBytes.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
