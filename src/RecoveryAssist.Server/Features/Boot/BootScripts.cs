using System.Collections.Concurrent;
using System.Text;

namespace RecoveryAssist.Server.Features.Boot;

/// <summary>What the menu of an armed machine needs. Holds the one-time URL: never log it.</summary>
internal sealed record MenuModel(
    BootPlatform Platform,
    string Host,
    Guid Session,
    string Image,
    string LoaderUrl,
    string? InitrdUrl,
    string BootCfgUrl,
    string ConsoleUrl,
    int TimeoutSeconds)
{
    public override string ToString() => $"MenuModel {{ Host = {Host}, Session = {Session}, Image = {Image} }}";
}

/// <summary>Why a machine boots its local disk; shown on its screen and in the script's first comment.</summary>
internal static class LocalBootStatus
{
    public const string UnknownMachine = "unknown-machine-checked-in";
    public const string NotArmed = "no-armed-recovery-for-this-host";
    public const string IdentityConflict = "identity-matches-several-hosts";
    public const string InvalidRequest = "request-not-understood";
    public const string ScriptError = "recovery-menu-unavailable";
    public const string BiosNotSupported = "network-recovery-needs-uefi";
}

/// <summary>
/// Renders the boot flow's iPXE scripts from the templates: pure, every value validated by
/// <see cref="ScriptValue"/>. Local-boot scripts depend only on the platform and the status, so
/// they are rendered once and reused.
/// </summary>
internal sealed class BootScripts(IpxeTemplates templates)
{
    public const string LocalBootEfi = "exit";
    public const string LocalBootBios = "sanboot --no-describe --drive 0x80";
    public const string LocalBootAny = "iseq ${platform} efi && exit || sanboot --no-describe --drive 0x80";

    private readonly ConcurrentDictionary<(BootPlatform?, string), byte[]> _local = new();

    public string Bootstrap(string baseUrl) => templates.Bootstrap.Render(new Dictionary<string, ScriptValue>
    {
        ["base"] = ScriptValue.Url("base", baseUrl),
    });

    /// <param name="platform">Null when the request did not say: the script asks iPXE.</param>
    public string Local(BootPlatform? platform, string status) => templates.Local.Render(new Dictionary<string, ScriptValue>
    {
        ["status"] = ScriptValue.Word("status", status),
        ["localboot"] = ScriptValue.Trusted(LocalBoot(platform)),
    });

    public byte[] LocalBytes(BootPlatform? platform, string status) =>
        _local.GetOrAdd((platform, status), key => Encoding.ASCII.GetBytes(Local(key.Item1, key.Item2)));

    public string Menu(MenuModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var initrd = model.InitrdUrl is null ? ScriptValue.Empty : ScriptValue.Url("initrd", model.InitrdUrl);
        return templates.Menu.Render(new Dictionary<string, ScriptValue>
        {
            ["host"] = ScriptValue.Word("host", model.Host),
            ["session"] = ScriptValue.Word("session", model.Session.ToString("D")),
            ["image"] = ScriptValue.Word("image", model.Image),
            ["timeout"] = ScriptValue.Number("timeout", checked(model.TimeoutSeconds * 1000)),
            ["loader"] = ScriptValue.Url("loader", model.LoaderUrl),
            // The EFI stub of a Linux stand-in finds its initrd by name; mboot ignores unknown options.
            ["initrdname"] = model.InitrdUrl is null ? ScriptValue.Empty : ScriptValue.Word("initrdname", FileName(model.InitrdUrl)),
            ["noinitrd"] = model.InitrdUrl is null ? ScriptValue.Trusted("yes") : ScriptValue.Empty,
            ["initrd"] = initrd,
            ["bootcfg"] = ScriptValue.Url("bootcfg", model.BootCfgUrl),
            ["console"] = ScriptValue.Url("console", model.ConsoleUrl),
            ["localboot"] = ScriptValue.Trusted(LocalBoot(model.Platform)),
        });
    }

    public static string LocalBoot(BootPlatform? platform) => platform switch
    {
        BootPlatform.Efi => LocalBootEfi,
        BootPlatform.Pcbios => LocalBootBios,
        _ => LocalBootAny,
    };

    private static string FileName(string url) => url[(url.LastIndexOf('/') + 1)..];
}
