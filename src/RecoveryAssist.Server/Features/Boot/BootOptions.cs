using System.Net;
using Microsoft.Extensions.Options;

namespace RecoveryAssist.Server.Features.Boot;

/// <summary>The network boot (iPXE) feature, section <c>RecoveryAssist:Boot</c>. Validated at start-up.</summary>
internal sealed class BootOptions
{
    public const string Section = "RecoveryAssist:Boot";
    public const string DefaultIpxeDirectory = "/usr/lib/ipxe";
    public const int DefaultTftpPort = 69;
    public const int DefaultMenuTimeoutSeconds = 30;
    public const int DefaultTokenMinutes = 30;
    public const int DefaultHostCacheSeconds = 2;
    public const int DefaultRequestsPerMinute = 600;

    /// <summary>High enough for a relay or NAT that puts a whole provisioning network behind one address; still a bound.</summary>
    public const int MaxRequestsPerMinute = 100_000_000;
    public const int DefaultMaxCheckIns = 10_000;
    public const int DefaultAlertWindowMinutes = 10;
    public const int DefaultAuditsPerSourceWindow = 5;

    /// <summary>Loopback only: a provisioning network must be named before machines on it are answered.</summary>
    public static readonly string[] DefaultAllowedNetworks = ["127.0.0.0/8", "::1/128"];

    /// <summary>The iPXE binaries served over TFTP. In Debian's <c>ipxe</c> package.</summary>
    public static readonly string[] IpxeBinaries = ["undionly.kpxe", "ipxe.efi", "snponly.efi"];

    /// <summary>
    /// The appliance's HTTP address as PXE clients reach it, e.g. <c>http://10.0.0.5:8080</c> (http only:
    /// Debian's iPXE has no HTTPS). Required for the TFTP bootstrap script; when unset, HTTP-served
    /// scripts use the address the request came to.
    /// </summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>Where <c>undionly.kpxe</c>, <c>ipxe.efi</c> and <c>snponly.efi</c> are (default <see cref="DefaultIpxeDirectory"/>).</summary>
    public string IpxeDirectory { get; set; } = DefaultIpxeDirectory;

    /// <summary>Serve TFTP (iPXE binaries, bootstrap script, image files). Default true.</summary>
    public bool TftpEnabled { get; set; } = true;

    /// <summary>TFTP listen address; default the provisioning side's address (<c>RecoveryAssist:Listen:Provisioning</c>).</summary>
    public string? TftpListenAddress { get; set; }

    /// <summary>
    /// <c>RecoveryAssist:Boot:AllowedNetworks</c>: the CIDRs whose clients the provisioning side answers (HTTP /boot/*;
    /// others get 403 and one aggregated ALERT per source and window). Default <see cref="DefaultAllowedNetworks"/>.
    /// </summary>
    public string[]? AllowedNetworks { get; set; }

    /// <summary>Requests to /boot/* one source address may make per minute (token bucket; default <see cref="DefaultRequestsPerMinute"/>).</summary>
    public int RequestsPerMinute { get; set; } = DefaultRequestsPerMinute;

    /// <summary>
    /// The token bucket of one source: a minute's worth at once, refilled at exactly <paramref name="perMinute"/> a minute
    /// (whole tokens at a period stretched to fit, so 90 a minute is 1 every 667 ms, not 60 a minute).
    /// </summary>
    public static System.Threading.RateLimiting.TokenBucketRateLimiterOptions PerSourceBucket(int perMinute)
    {
        var tokens = Math.Max(1, perMinute / 60);
        return new()
        {
            TokenLimit = perMinute,
            TokensPerPeriod = tokens,
            ReplenishmentPeriod = TimeSpan.FromMinutes((double)tokens / perMinute),
            QueueLimit = 0,
            AutoReplenishment = true,
        };
    }

    /// <summary>Check-ins kept at most; the least recently seen is evicted first (default <see cref="DefaultMaxCheckIns"/>).</summary>
    public int MaxCheckIns { get; set; } = DefaultMaxCheckIns;

    /// <summary>
    /// Anonymous events of one kind from one source address (new check-ins, unknown or refused boot.cfg URLs, refused
    /// clients) get at most <see cref="AuditsPerSourceWindow"/> audit records, then one ALERT, per window of this many
    /// minutes (default <see cref="DefaultAlertWindowMinutes"/>); the rest are counted into the next window's first record.
    /// </summary>
    public int AlertWindowMinutes { get; set; } = DefaultAlertWindowMinutes;

    /// <summary>Individual audit records per source, kind and window before aggregation (default <see cref="DefaultAuditsPerSourceWindow"/>).</summary>
    public int AuditsPerSourceWindow { get; set; } = DefaultAuditsPerSourceWindow;

    public IReadOnlyList<IPNetwork> ParsedAllowedNetworks => (AllowedNetworks ?? DefaultAllowedNetworks).Select(n => IPNetwork.Parse(n.Trim())).ToList();

    /// <summary>TFTP port (default <see cref="DefaultTftpPort"/>; 0 picks a free port, for tests).</summary>
    public int TftpPort { get; set; } = DefaultTftpPort;

    /// <summary>Seconds the recovery menu waits before it boots the local disk (default <see cref="DefaultMenuTimeoutSeconds"/>).</summary>
    public int MenuTimeoutSeconds { get; set; } = DefaultMenuTimeoutSeconds;

    /// <summary>How long a one-time boot.cfg URL stays valid after the menu handed it out (default <see cref="DefaultTokenMinutes"/> minutes).</summary>
    public int TokenMinutes { get; set; } = DefaultTokenMinutes;

    /// <summary>
    /// Hosts changed through the host API are seen by PXE lookups within this many seconds (default
    /// <see cref="DefaultHostCacheSeconds"/>); changes made by this feature (binding) are seen at once.
    /// </summary>
    public int HostCacheSeconds { get; set; } = DefaultHostCacheSeconds;

    /// <summary>The largest ESXi installer ISO an upload may send, in MiB (default 2048).</summary>
    public int MaxIsoMegabytes { get; set; } = 2048;

    public TimeSpan TokenLifetime => TimeSpan.FromMinutes(TokenMinutes);
}

internal sealed class BootOptionsValidator : IValidateOptions<BootOptions>
{
    public ValidateOptionsResult Validate(string? name, BootOptions options)
    {
        var errors = new List<string>();
        if (options.PublicBaseUrl is { } url)
        {
            try
            {
                ScriptValue.Url("base", url.TrimEnd('/'));
                if (!url.StartsWith("http://", StringComparison.Ordinal))
                    errors.Add($"{BootOptions.Section}:PublicBaseUrl must be an http:// URL (Debian's iPXE has no HTTPS).");
            }
            catch (ScriptValueException e)
            {
                errors.Add($"{BootOptions.Section}:PublicBaseUrl cannot be placed in an iPXE script: {e.Message}.");
            }
        }
        if (options.MaxIsoMegabytes < 1)
            errors.Add($"{BootOptions.Section}:MaxIsoMegabytes must be at least 1.");
        if (string.IsNullOrWhiteSpace(options.IpxeDirectory))
            errors.Add($"{BootOptions.Section}:IpxeDirectory must name a directory.");
        if (options.TftpListenAddress is not null && !IPAddress.TryParse(options.TftpListenAddress, out _))
            errors.Add($"{BootOptions.Section}:TftpListenAddress must be an IP address.");
        var networks = options.AllowedNetworks ?? BootOptions.DefaultAllowedNetworks;
        for (var i = 0; i < networks.Length; i++)
        {
            if (!IPNetwork.TryParse(networks[i]?.Trim() ?? "", out _))
                errors.Add($"{BootOptions.Section}:AllowedNetworks:{i} '{networks[i]}' is not a CIDR such as 10.0.0.0/24.");
        }
        if (options.RequestsPerMinute is < 1 or > BootOptions.MaxRequestsPerMinute)
            errors.Add($"{BootOptions.Section}:RequestsPerMinute must be between 1 and {BootOptions.MaxRequestsPerMinute}.");
        if (options.MaxCheckIns is < 10 or > 1_000_000)
            errors.Add($"{BootOptions.Section}:MaxCheckIns must be between 10 and 1000000.");
        if (options.AlertWindowMinutes is < 1 or > 24 * 60)
            errors.Add($"{BootOptions.Section}:AlertWindowMinutes must be between 1 and 1440.");
        if (options.AuditsPerSourceWindow is < 1 or > 1000)
            errors.Add($"{BootOptions.Section}:AuditsPerSourceWindow must be between 1 and 1000.");
        if (options.TftpPort is < 0 or > 65535)
            errors.Add($"{BootOptions.Section}:TftpPort must be between 0 and 65535.");
        if (options.MenuTimeoutSeconds is < 1 or > 600)
            errors.Add($"{BootOptions.Section}:MenuTimeoutSeconds must be between 1 and 600.");
        if (options.TokenMinutes is < 1 or > 24 * 60)
            errors.Add($"{BootOptions.Section}:TokenMinutes must be between 1 and 1440.");
        if (options.HostCacheSeconds is < 0 or > 300)
            errors.Add($"{BootOptions.Section}:HostCacheSeconds must be between 0 and 300.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
