using System.Globalization;
using LiteDB;
using Microsoft.Extensions.Options;
using RecoveryAssist.Server.Hosting;
using RecoveryAssist.Server.Storage;

namespace RecoveryAssist.Server.Features.Escrow;

/// <summary>
/// The coverage report: which hosts the escrow cannot yet promise to recover, and why. Reads only (no key material,
/// no key opened: equal keys are found by their keyed fingerprints).
/// </summary>
internal sealed class EscrowReports(AppDatabase database, HostStore hosts, KeyVersionStore keys, TimeProvider time, IOptions<AppOptions> options)
{
    private readonly AppOptions _options = options.Value;

    /// <summary>One host's state by the coverage report's rules, for a page of hosts (reads that host's keys only).</summary>
    public CoverageState KeyState(Guid hostId)
    {
        var held = keys.Of(hostId);
        var saved = KeyReconciler.Saved(held.Select(KeyVersionStore.Held));
        if (saved.Count == 0)
            return CoverageState.NoKey;
        if (held.Any(v => v.Status == KeyStatus.Unsaved))
            return CoverageState.RotationNotSaved;
        return IsStale(held.Single(v => v.Version == saved[0].Version)) ? CoverageState.Stale : CoverageState.Verified;
    }

    private bool IsStale(KeyVersionRecord next) => next.LastVerified < time.GetUtcNow().UtcDateTime.AddDays(-_options.StaleKeyDays);

    public CoverageReport Coverage()
    {
        var versions = keys.All().GroupBy(k => k.HostId).ToDictionary(g => g.Key, g => g.OrderBy(v => v.Version).ToList());
        var withoutKey = new List<CoverageHost>();
        var stale = new List<CoverageHost>();
        var notSaved = new List<CoverageHost>();
        var severalKeys = new List<CoverageHost>();
        var neverVerified = new List<CoverageHost>();
        var names = new Dictionary<Guid, string>();
        var total = 0;
        var covered = 0;
        foreach (var host in hosts.ByName())
        {
            total++;
            names[host.Id] = host.Name;
            var held = versions.GetValueOrDefault(host.Id, []);
            var saved = KeyReconciler.Saved(held.Select(KeyVersionStore.Held));
            if (saved.Count == 0)
            {
                withoutKey.Add(new CoverageHost(host.Id, host.Name, "no escrowed key", null));
                continue;
            }
            covered++;
            var next = held.Single(v => v.Version == saved[0].Version);
            foreach (var unsaved in held.Where(v => v.Status == KeyStatus.Unsaved))
            {
                notSaved.Add(new CoverageHost(host.Id, host.Name, string.Create(CultureInfo.InvariantCulture,
                    $"rotation-not-saved: version {unsaved.Version} (seen {unsaved.FirstSeen:yyyy-MM-dd HH:mm} UTC) is running but its save is not confirmed; version {next.Version} protects the next boot. Run a rotate or post-recovery job (it saves and confirms), or auto-backup.sh on the host and collect"),
                    unsaved.LastVerified));
            }
            if (saved.Count > 1)
            {
                severalKeys.Add(new CoverageHost(host.Id, host.Name, string.Create(CultureInfo.InvariantCulture,
                    $"the host lists {saved.Count} keys (versions {string.Join(", ", saved.Select(v => v.Version))}): a rotate is refused because it must name one. Find which Recovery ID ESXi uses (recovery list), keep that one, and collect again"),
                    next.LastVerified));
            }
            if (held.Where(v => saved.Any(s => s.Version == v.Version)).Any(v => v.VerifiedOnHost is null))
            {
                neverVerified.Add(new CoverageHost(host.Id, host.Name,
                    "key imported but never listed by the host itself: give the appliance SSH access and collect, or check it by hand", null));
            }
            if (IsStale(next))
                stale.Add(new CoverageHost(host.Id, host.Name, $"key not verified for more than {_options.StaleKeyDays} days", next.LastVerified));
        }
        var sameKey = SameKeyOnSeveralHosts(versions, names);
        var drift = database.Collection<DriftEvent>(EscrowService.DriftCollection).Query().OrderByDescending(d => d.Time).Limit(100).ToList()
            .Select(d => new DriftView(d.HostId, names.GetValueOrDefault(d.HostId, "?"), d.Time, d.Source.ToString(), d.PreviousVersion, d.NewVersion, d.Description))
            .ToList();
        return new CoverageReport(total, covered, _options.StaleKeyDays, withoutKey, stale, drift)
        {
            RotationNotSaved = notSaved,
            SameKeyOnSeveralHosts = sameKey,
            SeveralKeys = severalKeys,
            NeverVerifiedOnHost = neverVerified,
        };
    }

    /// <summary>Live versions whose Recovery ID or key fingerprint another host's live version has too.</summary>
    private static List<CoverageHost> SameKeyOnSeveralHosts(Dictionary<Guid, List<KeyVersionRecord>> versions, Dictionary<Guid, string> names)
    {
        var live = versions.Values
            .SelectMany(held => KeyReconciler.Live(held.Select(KeyVersionStore.Held)).Select(h => held.Single(v => v.Version == h.Version)))
            .Where(v => names.ContainsKey(v.HostId))
            .ToList();
        var found = new List<CoverageHost>();
        void Find(Func<KeyVersionRecord, string?> by, string what)
        {
            foreach (var group in live.Where(v => by(v) is not null).GroupBy(v => by(v)!).Where(g => g.Select(v => v.HostId).Distinct().Count() > 1))
            {
                var hostNames = group.Select(v => names[v.HostId]).Distinct().Order(StringComparer.Ordinal).ToList();
                foreach (var v in group)
                {
                    found.Add(new CoverageHost(v.HostId, names[v.HostId], string.Create(CultureInfo.InvariantCulture,
                        $"same {what} escrowed for several hosts ({string.Join(", ", hostNames)}), version {v.Version}: an import copied a key to the wrong host, or a host was cloned. Collect each host's key from the host itself"),
                        v.LastVerified));
                }
            }
        }
        Find(v => v.RecoveryId, "Recovery ID");
        Find(v => v.Fingerprint, "key");
        return found.DistinctBy(h => (h.Id, h.Problem)).OrderBy(h => h.Name, StringComparer.Ordinal).ToList();
    }
}
