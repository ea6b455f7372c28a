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

/// <summary>
/// Where a version stands. ESXi keeps a running key (what <c>recovery list</c> shows) and a saved key (what the
/// next boot and a console recovery need); see <see cref="KeyReconciler"/>. Values are only appended (stored by name).
/// </summary>
internal enum KeyStatus
{
    /// <summary>In the saved configuration: the key the host's next boot needs.</summary>
    Current,

    /// <summary>Replaced by a newer key whose save was confirmed.</summary>
    Superseded,

    /// <summary>Typed at a console and booted with; protects the host until a newer version is saved.</summary>
    Used,

    /// <summary>Running on the host (rotated), its save not confirmed: the saved version still protects the next boot.</summary>
    Unsaved,

    /// <summary>Was running only and was lost: the host rebooted (or saved another key) before it was saved.</summary>
    NeverSaved,
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

    /// <summary>When the host itself last listed this key (a collection or a rotation); null when only imported.</summary>
    public DateTime? VerifiedOnHost { get; set; }

    /// <summary>
    /// A keyed HMAC of the key (<see cref="Secrets.KeySealer.Fingerprint"/>), so the same key escrowed for two hosts
    /// is found without opening every key; null for versions escrowed before fingerprints.
    /// </summary>
    public string? Fingerprint { get; set; }

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
