using System.Collections.Frozen;
using Microsoft.Extensions.Options;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Storage;

namespace RecoveryAssist.Server.Features.Boot;

/// <summary>A host as a PXE lookup needs it.</summary>
internal sealed record KnownHost(Guid Id, string Name);

/// <summary>
/// Host identities in memory for the per-machine script, which every booting machine asks for: a
/// snapshot of the hosts collection, rebuilt when older than <see cref="BootOptions.HostCacheSeconds"/>
/// or when this feature changed a host. Lookups never take a lock or touch the store.
/// </summary>
internal sealed class HostDirectory(AppDatabase database, TimeProvider time, IOptions<BootOptions> options)
{
    private readonly TimeSpan _maxAge = TimeSpan.FromSeconds(options.Value.HostCacheSeconds);
    private readonly Lock _rebuild = new();
    private volatile Snapshot? _snapshot;

    /// <summary>Hosts matching the identity: by UUID, MAC or serial. Several when identities disagree.</summary>
    public IReadOnlyList<KnownHost> Match(MachineIdentity identity)
    {
        var snapshot = Current();
        KnownHost? byUuid = identity.Uuid is { } uuid ? snapshot.ByUuid.GetValueOrDefault(uuid) : null;
        KnownHost? byMac = snapshot.ByMac.GetValueOrDefault(identity.Mac);
        KnownHost? bySerial = identity.Serial is { } serial ? snapshot.BySerial.GetValueOrDefault(serial) : null;
        var first = byUuid ?? byMac ?? bySerial;
        if (first is null)
            return [];
        if ((byMac is null || byMac.Id == first.Id) && (bySerial is null || bySerial.Id == first.Id))
            return [first];
        return new[] { byUuid, byMac, bySerial }.OfType<KnownHost>().DistinctBy(h => h.Id).ToList();
    }

    public void Invalidate() => _snapshot = null;

    private Snapshot Current()
    {
        var snapshot = _snapshot;
        if (snapshot is not null && time.GetUtcNow() - snapshot.Built < _maxAge)
            return snapshot;
        lock (_rebuild)
        {
            snapshot = _snapshot;
            if (snapshot is not null && time.GetUtcNow() - snapshot.Built < _maxAge)
                return snapshot;
            snapshot = Build();
            _snapshot = snapshot;
            return snapshot;
        }
    }

    private Snapshot Build()
    {
        var built = time.GetUtcNow();
        var byMac = new Dictionary<string, KnownHost>(StringComparer.Ordinal);
        var byUuid = new Dictionary<string, KnownHost>(StringComparer.Ordinal);
        var bySerial = new Dictionary<string, KnownHost>(StringComparer.Ordinal);
        foreach (var host in new HostStore(database).All())
        {
            var known = new KnownHost(host.Id, host.Name);
            foreach (var mac in host.MacAddresses)
                byMac.TryAdd(mac, known);
            if (host.SmbiosUuid is { } uuid)
                byUuid.TryAdd(uuid, known);
            if (host.Serial is { } serial)
                bySerial.TryAdd(serial, known);
        }
        return new Snapshot(built, byMac.ToFrozenDictionary(StringComparer.Ordinal), byUuid.ToFrozenDictionary(StringComparer.Ordinal), bySerial.ToFrozenDictionary(StringComparer.Ordinal));
    }

    private sealed record Snapshot(
        DateTimeOffset Built,
        FrozenDictionary<string, KnownHost> ByMac,
        FrozenDictionary<string, KnownHost> ByUuid,
        FrozenDictionary<string, KnownHost> BySerial);
}
