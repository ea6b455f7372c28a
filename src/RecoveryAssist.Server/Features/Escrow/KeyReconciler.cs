namespace RecoveryAssist.Server.Features.Escrow;

/// <summary>A version the escrow holds, as the reconciler sees it: no key material.</summary>
internal sealed record HeldVersion(int Version, string RecoveryId, KeyStatus Status);

/// <summary>One key the host listed, and the live version holding exactly that key (null: none does).</summary>
internal sealed record ListedKey(string RecoveryId, int? MatchedVersion);

/// <summary>
/// What was seen of a host's keys. <see cref="Listed"/> is its running configuration (<c>recovery list</c>).
/// <see cref="SaveConfirmed"/>: a save was judged by its output and confirmed by re-reading the boot bank
/// after the change, so the saved configuration holds what is listed. <see cref="Rebooted"/>: the host
/// booted since the last observation (its boot time moved), so what it lists came from its saved configuration.
/// </summary>
internal sealed record KeyObservation(IReadOnlyList<ListedKey> Listed, KeySource Source, bool SaveConfirmed = false, bool Rebooted = false)
{
    /// <summary>True when what is listed is known to be in the saved configuration too.</summary>
    public bool ListedIsSaved => SaveConfirmed || Rebooted;
}

/// <summary>What one observation means for the host's escrow.</summary>
internal enum KeyOutcome
{
    /// <summary>The escrow had no live key: the listed key is escrowed as the saved one.</summary>
    Escrowed,

    /// <summary>The host lists exactly what the escrow holds: nothing changes but "last verified".</summary>
    Verified,

    /// <summary>The appliance changed the key (rotate, reseal): the new version is running; the saved one still protects the next boot.</summary>
    NewRunningVersion,

    /// <summary>A save was confirmed (or a reboot proved it): the running version is now the saved one; the one it replaced is superseded.</summary>
    SavedConfirmed,

    /// <summary>The key changed outside the appliance. The new version is running; the old stays saved until a save or reboot proves otherwise.</summary>
    Drift,

    /// <summary>The host rebooted without saving: it came back with the saved key, and the rotated version never reached the boot bank.</summary>
    RotationLost,
}

/// <summary>A version the decision adds: the listed key at <paramref name="ListedIndex"/>, with its first status.</summary>
internal sealed record AddedVersion(int ListedIndex, KeyStatus Status);

/// <summary>A status change of a held version, with the reason written to the audit log.</summary>
internal sealed record StatusChange(int Version, KeyStatus From, KeyStatus To, string Reason);

internal sealed record KeyDecision(
    KeyOutcome Outcome,
    IReadOnlyList<int> Verified,
    IReadOnlyList<AddedVersion> Added,
    IReadOnlyList<StatusChange> Changes,
    bool RotationNotSaved);

/// <summary>
/// The heart of the escrow: from what it holds and what was seen, which key the host's next boot needs.
/// <list type="bullet">
/// <item>ESXi has a running key (what <c>recovery list</c> shows) and a saved key (in <c>state.tgz</c>; what the
/// next boot and a console recovery need). A rotate changes the running one; only a save changes the saved one.</item>
/// <item><see cref="KeyStatus.Current"/> is saved; <see cref="KeyStatus.Unsaved"/> is running but not known to be saved.
/// A used version (typed at a console) stays saved until a newer version is confirmed saved.</item>
/// <item>A saved version is retired only when a save is confirmed or a reboot shows the host came back with
/// another key. Until then both are live, and the escrow reveals the saved one and offers the other.</item>
/// </list>
/// Pure: no storage, no clock, no key material (the caller matched listed keys to versions in fixed time).
/// </summary>
internal static class KeyReconciler
{
    /// <summary>Versions that may protect the host now: saved ones (current, or used and not replaced) and unsaved ones.</summary>
    public static IReadOnlyList<HeldVersion> Live(IEnumerable<HeldVersion> held)
    {
        var all = held.ToList();
        var newestRetired = all.Where(v => v.Status is KeyStatus.Current or KeyStatus.Superseded).Select(v => v.Version).DefaultIfEmpty(0).Max();
        return all.Where(v => v.Status is KeyStatus.Current or KeyStatus.Unsaved || (v.Status == KeyStatus.Used && v.Version > newestRetired)).ToList();
    }

    /// <summary>The saved versions among <paramref name="held"/>, newest first: the key the next boot needs is the first.</summary>
    public static IReadOnlyList<HeldVersion> Saved(IEnumerable<HeldVersion> held) =>
        Live(held).Where(v => v.Status != KeyStatus.Unsaved).OrderByDescending(v => v.Version).ToList();

    /// <summary>Running versions whose save is not confirmed, newest first: the second candidates of a reveal.</summary>
    public static IReadOnlyList<HeldVersion> Unsaved(IEnumerable<HeldVersion> held) =>
        held.Where(v => v.Status == KeyStatus.Unsaved).OrderByDescending(v => v.Version).ToList();

    public static KeyDecision Reconcile(IReadOnlyList<HeldVersion> held, KeyObservation seen)
    {
        ArgumentNullException.ThrowIfNull(held);
        ArgumentNullException.ThrowIfNull(seen);
        var live = Live(held);
        var listedVersions = seen.Listed.Where(l => l.MatchedVersion is not null).Select(l => l.MatchedVersion!.Value).ToHashSet();
        var verified = live.Where(v => listedVersions.Contains(v.Version)).Select(v => v.Version).ToList();
        var newKeys = seen.Listed.Select((l, i) => (l, i)).Where(x => x.l.MatchedVersion is null).Select(x => x.i).ToList();
        var firstKey = live.Count == 0;

        // A new key is saved when it is the first the escrow learns of, or when the listing is known to be saved;
        // otherwise it is running only, and the saved version keeps protecting the next boot.
        var newStatus = firstKey || seen.ListedIsSaved ? KeyStatus.Current : KeyStatus.Unsaved;
        var added = newKeys.Select(i => new AddedVersion(i, newStatus)).ToList();

        var changes = new List<StatusChange>();
        if (seen.ListedIsSaved)
        {
            var why = seen.SaveConfirmed ? "save confirmed" : "the host rebooted and lists it";
            foreach (var v in live.Where(v => listedVersions.Contains(v.Version) && v.Status == KeyStatus.Unsaved))
                changes.Add(new StatusChange(v.Version, v.Status, KeyStatus.Current, why));
            var whyGone = seen.SaveConfirmed ? "the confirmed save holds another key" : "the host rebooted with another key";
            foreach (var v in live.Where(v => !listedVersions.Contains(v.Version)))
            {
                // A used version keeps that stronger status; it stops being live once a newer version is current.
                if (v.Status == KeyStatus.Current)
                    changes.Add(new StatusChange(v.Version, v.Status, KeyStatus.Superseded, whyGone));
                else if (v.Status == KeyStatus.Unsaved)
                    changes.Add(new StatusChange(v.Version, v.Status, KeyStatus.NeverSaved, whyGone + "; it never reached the boot bank"));
            }
        }

        var unsavedAfter = live.Count(v => v.Status == KeyStatus.Unsaved) - changes.Count(c => c.From == KeyStatus.Unsaved)
            + added.Count(a => a.Status == KeyStatus.Unsaved);
        var outcome = Outcome(seen, firstKey, added.Count > 0, changes);
        return new KeyDecision(outcome, verified, added, changes, unsavedAfter > 0);
    }

    private static KeyOutcome Outcome(KeyObservation seen, bool firstKey, bool added, IReadOnlyList<StatusChange> changes)
    {
        if (firstKey)
            return added ? KeyOutcome.Escrowed : KeyOutcome.Verified;
        var byAppliance = seen.Source is KeySource.Rotated or KeySource.Resealed;
        if (added && !byAppliance)
            return KeyOutcome.Drift;
        if (changes.Any(c => c.To == KeyStatus.NeverSaved) && !changes.Any(c => c.To == KeyStatus.Current) && !added)
            return KeyOutcome.RotationLost;
        if (added && !seen.ListedIsSaved)
            return KeyOutcome.NewRunningVersion;
        return added || changes.Count > 0 ? KeyOutcome.SavedConfirmed : KeyOutcome.Verified;
    }
}
