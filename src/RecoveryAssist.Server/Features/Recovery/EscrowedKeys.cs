using RecoveryAssist.Core.Keys;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Features.Secrets;
using RecoveryAssist.Server.Storage;

namespace RecoveryAssist.Server.Features.Recovery;

/// <summary>
/// What a recovery needs from the escrow: the host's current key version, the key itself (opened only
/// by <see cref="RecoverySessionService"/> after the read is audited), and marking a version used.
/// </summary>
internal sealed class EscrowedKeys(AppDatabase database, KeySealer sealer)
{
    private LiteDB.ILiteCollection<KeyVersionRecord> Keys => database.Collection<KeyVersionRecord>(EscrowService.KeysCollection);

    /// <summary>The newest current version; several are current only when the host listed several keys.</summary>
    public KeyVersionRecord? Current(Guid hostId, out int currentCount)
    {
        var current = Keys.Find(k => k.HostId == hostId && k.Status == KeyStatus.Current).OrderByDescending(k => k.Version).ToList();
        currentCount = current.Count;
        return current.FirstOrDefault();
    }

    public KeyVersionRecord? Version(Guid hostId, int version) => Keys.FindById(KeyVersionRecord.MakeId(hostId, version));

    public RecoveryKey Open(KeyVersionRecord version) =>
        sealer.Open(version.Sealed, new KeyBinding(version.HostId, RecoveryId.Parse(version.RecoveryId), version.Version));

    /// <summary>Marks a version used (call inside the caller's write); false when it already was.</summary>
    public bool MarkUsed(KeyVersionRecord version, DateTime now)
    {
        if (version.Status == KeyStatus.Used)
            return false;
        version.Status = KeyStatus.Used;
        version.StatusChanged = now;
        Keys.Update(version);
        return true;
    }
}
