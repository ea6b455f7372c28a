namespace RecoveryAssist.Server.Features.Boot;

/// <summary>
/// A machine that booted from the network and matched no host: after a board swap the host comes
/// back with a new UUID, serial and onboard MAC, and a technician binds it here to the host it is.
/// Keyed by the MAC it booted from.
/// </summary>
internal sealed class CheckInRecord
{
    /// <summary>The MAC that booted, lower-case with colons.</summary>
    public string Id { get; set; } = "";

    public string? SmbiosUuid { get; set; }

    public string? Serial { get; set; }

    public string Platform { get; set; } = "";

    public string Arch { get; set; } = "";

    public string? ClientAddress { get; set; }

    public DateTime FirstSeen { get; set; }

    public DateTime LastSeen { get; set; }

    public int Boots { get; set; }

    /// <summary>Set when a technician bound the machine to a host.</summary>
    public Guid? BoundHostId { get; set; }

    public string? BoundBy { get; set; }

    public DateTime? Bound { get; set; }
}

/// <summary>An extracted ESXi installer tree registered for network recovery boots.</summary>
internal sealed class BootImageRecord
{
    /// <summary>The name in URLs: lower-case letters, digits, '-', '.', '_'.</summary>
    public string Id { get; set; } = "";

    public string Directory { get; set; } = "";

    /// <summary>Relative paths, '/'-separated, as found at registration: nothing else is served.</summary>
    public List<string> Files { get; set; } = [];

    /// <summary>The boot loader iPXE starts on BIOS (relative path), e.g. <c>mboot.c32</c>.</summary>
    public string? BiosLoader { get; set; }

    /// <summary>The boot loader iPXE starts on UEFI, e.g. <c>efi/boot/bootx64.efi</c>.</summary>
    public string? EfiLoader { get; set; }

    /// <summary>An initrd loaded with the boot loader: only for a stand-in loader in a lab (mboot needs none).</summary>
    public string? Initrd { get; set; }

    public string? Build { get; set; }

    public DateTime Registered { get; set; }

    public string RegisteredBy { get; set; } = "";
}

internal enum ArmingStatus
{
    /// <summary>The menu offers the network recovery boot to the armed identity.</summary>
    Active,

    /// <summary>The boot.cfg with the key was served once; nothing more is served.</summary>
    Served,

    /// <summary>Replaced by a newer arming of the same session, or the session ended.</summary>
    Withdrawn,
}

/// <summary>One boot.cfg URL handed out in a menu. The token itself is never stored: only its SHA-256.</summary>
internal sealed class IssuedToken
{
    public string Hash { get; set; } = "";

    public DateTime Issued { get; set; }

    public DateTime Expires { get; set; }

    /// <summary>The client address the menu went to; the boot.cfg is served only to it.</summary>
    public string? IssuedTo { get; set; }

    /// <summary>When a newer menu replaced this URL.</summary>
    public DateTime? Superseded { get; set; }

    public DateTime? Used { get; set; }
}

/// <summary>A network-path recovery session armed for a machine identity and an image. Never holds key material.</summary>
internal sealed class ArmingRecord
{
    /// <summary>The recovery session's id.</summary>
    public Guid Id { get; set; }

    public Guid HostId { get; set; }

    public string HostName { get; set; } = "";

    public string ImageId { get; set; } = "";

    public List<string> Macs { get; set; } = [];

    public string? SmbiosUuid { get; set; }

    public string? Serial { get; set; }

    public ArmingStatus Status { get; set; }

    public DateTime Armed { get; set; }

    public string ArmedBy { get; set; } = "";

    public DateTime? Served { get; set; }

    public string? ServedTo { get; set; }

    public List<IssuedToken> Tokens { get; set; } = [];

    /// <summary>The client address that first received the menu: it owns the arming; menus asked from elsewhere are refused.</summary>
    public string? MenuClient { get; set; }

    /// <summary>How many kinds of identity (MAC, UUID, serial) the arming holds.</summary>
    public int IdentityKinds() => (Macs.Count > 0 ? 1 : 0) + (SmbiosUuid is null ? 0 : 1) + (Serial is null ? 0 : 1);

    /// <summary>
    /// A request matches when every identity the arming holds and the request carries agrees, and at least two of
    /// MAC, UUID and serial agree (one when the arming holds only one kind, which is never the serial alone:
    /// a serial is printed on the chassis and proves nothing).
    /// </summary>
    public bool Matches(MachineIdentity identity)
    {
        var macHeld = Macs.Count > 0;
        if (macHeld && !Macs.Contains(identity.Mac, StringComparer.Ordinal))
            return false;
        if (SmbiosUuid is not null && identity.Uuid is not null && SmbiosUuid != identity.Uuid)
            return false;
        if (Serial is not null && identity.Serial is not null && Serial != identity.Serial)
            return false;
        var agreeing = (macHeld ? 1 : 0) + (SmbiosUuid is not null && SmbiosUuid == identity.Uuid ? 1 : 0) + (Serial is not null && Serial == identity.Serial ? 1 : 0);
        var onlySerial = !macHeld && SmbiosUuid is null;
        return !onlySerial && agreeing >= Math.Min(2, IdentityKinds());
    }
}
