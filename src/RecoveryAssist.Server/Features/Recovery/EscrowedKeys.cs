using RecoveryAssist.Core.Keys;
using RecoveryAssist.Server.Features.Escrow;

namespace RecoveryAssist.Server.Features.Recovery;

/// <summary>
/// What a recovery needs from the escrow, through its narrow stores: the host, the key its next boot needs (the saved
/// one), the running versions whose save is not confirmed (second candidates), the key itself (opened only by
/// <see cref="RecoverySessionService"/> after the read is audited), and marking a version used.
/// </summary>
internal sealed class EscrowedKeys(HostStore hosts, KeyVersionStore keys)
{
    public HostStore Hosts => hosts;

    /// <summary>The version the next boot needs (newest saved); several are saved only when the host listed several keys.</summary>
    public KeyVersionRecord? Current(Guid hostId, out int currentCount) => keys.Saved(hostId, out currentCount);

    /// <summary>Running versions whose save is not confirmed, newest first.</summary>
    public IReadOnlyList<KeyVersionRecord> Unsaved(Guid hostId) => keys.Unsaved(hostId);

    public KeyVersionRecord? Version(Guid hostId, int version) => keys.Find(hostId, version);

    public RecoveryKey Open(KeyVersionRecord version) => keys.Open(version);

    /// <summary>Marks a version used (joins the caller's write; audited there as every status change); false when it already was.</summary>
    public bool MarkUsed(HostRecord host, KeyVersionRecord version, string by, string? clientAddress, string reason, DateTime now) =>
        keys.ChangeStatus(host, version, KeyStatus.Used, reason, by, clientAddress, now);
}
