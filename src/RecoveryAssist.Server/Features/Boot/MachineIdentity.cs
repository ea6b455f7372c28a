using RecoveryAssist.Server.Features.Escrow;

namespace RecoveryAssist.Server.Features.Boot;

/// <summary>The firmware platform iPXE reports in <c>${platform}</c>.</summary>
internal enum BootPlatform
{
    Pcbios,
    Efi,
}

/// <summary>
/// A machine as iPXE names it in the bootstrap's query: <c>${mac:hexhyp}</c>, <c>${uuid}</c>,
/// <c>${serial:uristring}</c>, <c>${platform}</c>, <c>${buildarch}</c>. Identities are normalised
/// like <see cref="HostRecord"/>'s (MAC lower-case with colons, UUID lower-case, serial upper-case);
/// placeholder values firmware puts in SMBIOS are dropped, so they never match a host.
/// </summary>
internal sealed record MachineIdentity(string Mac, string? Uuid, string? Serial, BootPlatform Platform, string Arch)
{
    public const int MaxSerialLength = 64;

    private static readonly string[] Architectures = ["i386", "x86_64", "arm32", "arm64"];

    // SMBIOS placeholders seen on real boards: they name no machine.
    private static readonly HashSet<string> PlaceholderSerials = new(StringComparer.OrdinalIgnoreCase)
    {
        "0", "00000000", "0123456789", "1234567890", "N/A", "NA", "NONE", "DEFAULT STRING", "TO BE FILLED BY O.E.M.",
        "SYSTEM SERIAL NUMBER", "NOT SPECIFIED", "NOT APPLICABLE", "CHASSIS SERIAL NUMBER", "INVALID", "UNKNOWN",
    };

    /// <summary>The platform as iPXE spells it.</summary>
    public string PlatformName => Platform == BootPlatform.Efi ? "efi" : "pcbios";

    /// <summary>Parses the query; null and a reason when it is not what the bootstrap sends.</summary>
    public static MachineIdentity? Parse(string? mac, string? uuid, string? serial, string? platform, string? arch, out string? problem)
    {
        problem = null;
        var normalizedMac = HostIdentity.NormalizeMac(mac);
        if (normalizedMac is null)
        {
            problem = "mac: expected six hex octets (iPXE ${mac:hexhyp})";
            return null;
        }
        BootPlatform? parsedPlatform = platform switch
        {
            "pcbios" => BootPlatform.Pcbios,
            "efi" => BootPlatform.Efi,
            _ => null,
        };
        if (parsedPlatform is null)
        {
            problem = "platform: expected pcbios or efi (iPXE ${platform})";
            return null;
        }
        if (arch is null || !Architectures.Contains(arch, StringComparer.Ordinal))
        {
            problem = "arch: expected i386, x86_64, arm32 or arm64 (iPXE ${buildarch})";
            return null;
        }
        string? normalizedUuid = null;
        if (!string.IsNullOrEmpty(uuid))
        {
            normalizedUuid = HostIdentity.NormalizeUuid(uuid);
            if (normalizedUuid is null)
            {
                problem = "uuid: expected an SMBIOS UUID (iPXE ${uuid}) or nothing";
                return null;
            }
            if (normalizedUuid is "00000000-0000-0000-0000-000000000000" or "ffffffff-ffff-ffff-ffff-ffffffffffff"
                || normalizedUuid.StartsWith("03000200-0400-0500-0006-000700080009", StringComparison.Ordinal))
                normalizedUuid = null;
        }
        string? normalizedSerial = null;
        if (!string.IsNullOrWhiteSpace(serial))
        {
            if (serial.Length > MaxSerialLength || serial.Any(c => c is < ' ' or > '~'))
            {
                problem = $"serial: at most {MaxSerialLength} printable ASCII characters";
                return null;
            }
            normalizedSerial = HostIdentity.NormalizeSerial(serial);
            if (normalizedSerial is not null && PlaceholderSerials.Contains(normalizedSerial))
                normalizedSerial = null;
        }
        return new MachineIdentity(normalizedMac, normalizedUuid, normalizedSerial, parsedPlatform.Value, arch);
    }

    /// <summary>The check-in key: the MAC that booted (the one identity every PXE boot has).</summary>
    public string CheckInId => Mac;

    public override string ToString() => $"mac {Mac}, uuid {Uuid ?? "-"}, serial {Serial ?? "-"}, {PlatformName} {Arch}";
}
