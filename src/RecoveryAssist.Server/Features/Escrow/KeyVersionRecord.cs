using RecoveryAssist.Server.Features.Secrets;

namespace RecoveryAssist.Server.Features.Escrow;

/// <summary>Where a key version came from.</summary>
internal enum KeySource
{
    Collected,
    Imported,
    Rotated,

    /// <summary>Read back after a policy change the appliance made (the configuration may have been resealed): a new key is expected, not drift.</summary>
    Resealed,
}

/// <summary>current: protects the host now; superseded: replaced by a newer key; used: revealed for a recovery, then replaced.</summary>
internal enum KeyStatus
{
    Current,
    Superseded,
    Used,
}

/// <summary>
/// One version of a host's recovery key. Versions are append-only: status and dates change,
/// the sealed key never does, and nothing deletes a version.
/// </summary>
internal sealed class KeyVersionRecord
{
    /// <summary><c>{hostId:N}:{version}</c>, so a version can exist only once.</summary>
    public string Id { get; set; } = "";

    public Guid HostId { get; set; }

    public int Version { get; set; }

    public string RecoveryId { get; set; } = "";

    public SealedKey Sealed { get; set; } = new();

    public KeySource Source { get; set; }

    public KeyStatus Status { get; set; }

    public DateTime FirstSeen { get; set; }

    public DateTime LastVerified { get; set; }

    public DateTime? StatusChanged { get; set; }

    public static string MakeId(Guid hostId, int version) => $"{hostId:N}:{version:D6}";
}

/// <summary>A key found on a host that differs from what the escrow held, without a rotation by the appliance.</summary>
internal sealed class DriftEvent
{
    public Guid Id { get; set; }

    public Guid HostId { get; set; }

    public DateTime Time { get; set; }

    public KeySource Source { get; set; }

    public int? PreviousVersion { get; set; }

    public int NewVersion { get; set; }

    public string Description { get; set; } = "";
}
