using Microsoft.Extensions.Options;

namespace RecoveryAssist.Server.Hosting;

/// <summary>The appliance's own settings, section <c>RecoveryAssist</c>. Secrets are never read from here.</summary>
internal sealed class AppOptions
{
    public const string Section = "RecoveryAssist";
    public const string DefaultDataDirectory = "data";
    /// <summary>The people side's default: HTTPS on loopback, with a generated certificate.</summary>
    public const string DefaultPeopleUrl = "https://127.0.0.1:8443";

    /// <summary>The provisioning side's default: plain HTTP (firmware iPXE has no TLS) on loopback.</summary>
    public const string DefaultProvisioningUrl = "http://127.0.0.1:8080";
    public const int DefaultLockoutThreshold = 5;
    public const int DefaultLockoutMinutes = 15;
    public const int DefaultStaleKeyDays = 30;
    public const long DefaultMaxRequestBytes = 8 * 1024 * 1024;
    public const long DefaultMaxBulkRequestBytes = 256 * 1024 * 1024;

    /// <summary>Where the store and (unless configured elsewhere) the key-encryption key live. Environment: RECOVERYASSIST_DATA.</summary>
    public string DataDirectory { get; set; } = DefaultDataDirectory;

    /// <summary>The key-encryption key file; default <c>&lt;DataDirectory&gt;/kek.key</c>. Environment RECOVERYASSIST_KEK (base64) takes precedence.</summary>
    public string? KekFile { get; set; }

    /// <summary>Failed sign-ins in a row for one account that cost nothing; after them each attempt waits longer (SignInThrottle). Accounts are never locked by failures.</summary>
    public int LockoutThreshold { get; set; } = DefaultLockoutThreshold;

    /// <summary>The longest wait, in minutes, that failed sign-ins impose on the next attempt for one account (SignInThrottle).</summary>
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

    /// <summary>Where each side listens (section <c>RecoveryAssist:Listen</c>).</summary>
    public ListenSettings Listen { get; set; } = new();

    /// <summary>The people side's certificate (section <c>RecoveryAssist:Tls</c>).</summary>
    public TlsSettings Tls { get; set; } = new();

    /// <summary>Which reverse proxies may set X-Forwarded-For/-Proto (section <c>RecoveryAssist:ForwardedHeaders</c>).</summary>
    public ForwardedHeadersSettings ForwardedHeaders { get; set; } = new();

    public string ResolveKekFile() => KekFile ?? Path.Combine(DataDirectory, "kek.key");
}

/// <summary>The appliance's two listeners. Each is one URL: scheme, an IP address (or <c>localhost</c>, <c>*</c>) and a port.</summary>
internal sealed class ListenSettings
{
    /// <summary>
    /// <c>RecoveryAssist:Listen:People</c>: people and automation (sign-in, /api, /console, /openapi, /healthz,
    /// /metrics). Default <see cref="AppOptions.DefaultPeopleUrl"/>. https:// always; http:// only on a loopback
    /// address (tests, or a TLS-terminating proxy on the same machine). <c>--urls</c> is an alias when this is unset.
    /// </summary>
    public string? People { get; set; }

    /// <summary>
    /// <c>RecoveryAssist:Listen:Provisioning</c>: anonymous /boot/* for PXE clients, http:// only. Default
    /// <see cref="AppOptions.DefaultProvisioningUrl"/>. TFTP binds to the same address.
    /// </summary>
    public string Provisioning { get; set; } = AppOptions.DefaultProvisioningUrl;
}

/// <summary>
/// The people side's certificate. Both unset: a self-signed ECDSA P-256 certificate is generated on first start
/// into <c>&lt;DataDirectory&gt;/tls/</c> and its SHA-256 fingerprint printed on the console.
/// </summary>
internal sealed class TlsSettings
{
    /// <summary><c>RecoveryAssist:Tls:CertificateFile</c>: a PEM certificate (chain), with <see cref="KeyFile"/>.</summary>
    public string? CertificateFile { get; set; }

    /// <summary><c>RecoveryAssist:Tls:KeyFile</c>: the PEM private key of <see cref="CertificateFile"/>.</summary>
    public string? KeyFile { get; set; }
}

/// <summary>Forwarded headers are honoured only from these proxies; none by default (the connection's address counts).</summary>
internal sealed class ForwardedHeadersSettings
{
    /// <summary><c>RecoveryAssist:ForwardedHeaders:KnownProxies</c>: IP addresses of trusted reverse proxies.</summary>
    public string[] KnownProxies { get; set; } = [];
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
        errors.AddRange(RecoveryAssist.Server.Features.Network.ListenAddresses.Validate(options));
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
