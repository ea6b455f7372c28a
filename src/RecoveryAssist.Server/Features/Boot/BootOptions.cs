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

    /// <summary>TFTP listen address (default all IPv4 addresses).</summary>
    public string TftpListenAddress { get; set; } = IPAddress.Any.ToString();

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
        if (!IPAddress.TryParse(options.TftpListenAddress, out _))
            errors.Add($"{BootOptions.Section}:TftpListenAddress must be an IP address.");
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
