using System.Globalization;
using LiteDB;
using Microsoft.Extensions.Options;
using RecoveryAssist.Core.Esxcli;
using RecoveryAssist.Core.Keys;
using RecoveryAssist.Core.PowerCli;
using RecoveryAssist.Server.Features.Audit;
using RecoveryAssist.Server.Features.Secrets;
using RecoveryAssist.Server.Hosting;
using RecoveryAssist.Server.Storage;

namespace RecoveryAssist.Server.Features.Escrow;

/// <summary>
/// The escrow's edge: loads hosts and key versions, lets <see cref="KeyReconciler"/> decide what an observation
/// of the host's keys means, and persists the decision with its audit records in one transaction. Host records
/// (create, update, facts) and imports live here too; reports are in <see cref="EscrowReports"/>.
/// </summary>
internal sealed partial class EscrowService
{
    public const string HostsCollection = HostStore.Collection;
    public const string KeysCollection = KeyVersionStore.Collection;
    public const string DriftCollection = "drift_events";
    public const int MaxBulkRecords = 10_000;

    private readonly AppDatabase _database;
    private readonly HostStore _hosts;
    private readonly KeyVersionStore _keys;
    private readonly AuditLog _audit;
    private readonly TimeProvider _time;
    private readonly AppOptions _options;
    private readonly IEnumerable<ISharedKeyListener> _sharedKeyListeners;
    private readonly ILogger<EscrowService> _logger;

    public EscrowService(AppDatabase database, HostStore hosts, KeyVersionStore keys, AuditLog audit, TimeProvider time, IOptions<AppOptions> options,
        IEnumerable<ISharedKeyListener> sharedKeyListeners, ILogger<EscrowService> logger)
    {
        _database = database;
        _hosts = hosts;
        _keys = keys;
        _audit = audit;
        _time = time;
        _options = options.Value;
        _sharedKeyListeners = sharedKeyListeners;
        _logger = logger;
        EnsureIndexes(database);
    }

    public static void EnsureIndexes(AppDatabase database)
    {
        HostStore.EnsureIndexes(database);
        KeyVersionStore.EnsureIndexes(database);
        database.Collection<DriftEvent>(DriftCollection).EnsureIndex(d => d.Time);
    }

    private ILiteCollection<HostRecord> Hosts => _hosts.Records;

    private ILiteCollection<DriftEvent> Drift => _database.Collection<DriftEvent>(DriftCollection);

    public HostRecord CreateHost(HostInput input, Actor actor)
    {
        var now = Now();
        var host = new HostRecord { Id = Guid.NewGuid(), Created = now };
        Apply(host, input, now);
        return _database.Write(() =>
        {
            EnsureNameFree(host);
            Hosts.Insert(host);
            _audit.Append(new AuditEntry(actor.Name, "host.created", Target(host), AuditEntry.Success, actor.ClientAddress));
            return host;
        });
    }

    public HostRecord UpdateHost(Guid id, HostInput input, Actor actor) => _database.Write(() =>
    {
        var host = Hosts.FindById(id) ?? throw ProblemException.NotFound("The host");
        Apply(host, input, Now());
        EnsureNameFree(host);
        Hosts.Update(host);
        _audit.Append(new AuditEntry(actor.Name, "host.updated", Target(host), AuditEntry.Success, actor.ClientAddress));
        return host;
    });

    public HostRecord GetHost(Guid id) => Hosts.FindById(id) ?? throw ProblemException.NotFound("The host");

    public HostRecord? FindByName(string name) => Hosts.FindOne(DbQuery.Equal(nameof(HostRecord.NameKey), HostIdentity.NameKey(name)));

    /// <summary>Finds hosts by any one identity. A value that cannot be an identity of that kind is a 400.</summary>
    public IReadOnlyList<HostRecord> Find(string? name, string? mac, string? uuid, string? serial)
    {
        if (name is not null)
            return FindByName(name) is { } host ? [host] : [];
        if (mac is not null)
        {
            var normalized = HostIdentity.NormalizeMac(mac) ?? throw ProblemException.BadRequest("invalid-mac", "mac: expected six hex octets such as 00:50:56:aa:bb:cc.");
            return Hosts.Find(BsonExpression.Create("$.MacAddresses[*] ANY = @0", new BsonValue(normalized))).ToList();
        }
        if (uuid is not null)
        {
            var normalized = HostIdentity.NormalizeUuid(uuid) ?? throw ProblemException.BadRequest("invalid-uuid", "uuid: expected an SMBIOS UUID such as 4c4c4544-0042-3510-8052-b4c04f4e4232.");
            return Hosts.Find(DbQuery.Equal(nameof(HostRecord.SmbiosUuid), normalized)).ToList();
        }
        if (serial is not null)
        {
            var normalized = HostIdentity.NormalizeSerial(serial);
            return Hosts.Find(DbQuery.Equal(nameof(HostRecord.Serial), normalized)).ToList();
        }
        throw ProblemException.BadRequest("missing-query", "Give one of name, mac, uuid or serial.");
    }

    /// <summary>
    /// One search box for people: a MAC, SMBIOS UUID or serial matches exactly (normalized), a tag matches
    /// exactly, and a name matches by any part of it. Sorted by name, at most <paramref name="take"/>.
    /// </summary>
    public IReadOnlyList<HostRecord> Search(string text, int take)
    {
        var query = text.Trim();
        var found = new Dictionary<Guid, HostRecord>();
        void Add(IEnumerable<HostRecord> hosts)
        {
            foreach (var host in hosts)
                found.TryAdd(host.Id, host);
        }
        if (HostIdentity.NormalizeMac(query) is { } mac)
            Add(Hosts.Find(BsonExpression.Create("$.MacAddresses[*] ANY = @0", new BsonValue(mac))));
        if (HostIdentity.NormalizeUuid(query) is { } uuid)
            Add(Hosts.Find(DbQuery.Equal(nameof(HostRecord.SmbiosUuid), uuid)));
        if (HostIdentity.NormalizeSerial(query) is { } serial)
            Add(Hosts.Find(DbQuery.Equal(nameof(HostRecord.Serial), serial)));
        Add(Hosts.Find(BsonExpression.Create("$.Tags[*] ANY = @0", new BsonValue(query)), limit: take));
        Add(Hosts.Find(BsonExpression.Create("$.NameKey LIKE @0", new BsonValue("%" + HostIdentity.NameKey(query) + "%")), limit: take));
        return found.Values.OrderBy(h => h.NameKey, StringComparer.Ordinal).Take(take).ToList();
    }

    public IReadOnlyList<HostRecord> ListHosts(int skip, int take, string? tag)
    {
        var query = Hosts.Query();
        if (tag is not null)
            query = query.Where("$.Tags[*] ANY = @0", new BsonValue(tag));
        return query.OrderBy(h => h.NameKey).Skip(skip).Limit(take).ToList();
    }

    public IReadOnlyList<KeyVersionRecord> KeyVersions(Guid hostId) => _keys.Of(hostId);

    /// <summary>Imports <c>recovery list</c> output for one host.</summary>
    /// <exception cref="ProblemException">400 with the parser's message (line, group) when the output is not understood.</exception>
    public ImportResult ImportForHost(Guid hostId, string output, EsxcliFormat? format, KeySource source, Actor actor)
    {
        var entries = ParseRecoveryList(output, format);
        return _database.Write(() =>
        {
            var host = Hosts.FindById(hostId) ?? throw ProblemException.NotFound("The host");
            return Escrow(host, entries, new HostSighting(source), actor, hostCreated: false);
        });
    }

    /// <summary>
    /// Escrows what a host listed (host operations: collection, rotation, saves), through <see cref="KeyReconciler"/>.
    /// One transaction with its audit records; joins the caller's transaction.
    /// </summary>
    public ImportResult EscrowEntries(Guid hostId, IReadOnlyList<RecoveryListEntry> entries, HostSighting sighting, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(sighting);
        if (entries.Count == 0)
            throw new ArgumentException("A host always reports at least one key.", nameof(entries));
        return _database.Write(() =>
        {
            var host = Hosts.FindById(hostId) ?? throw ProblemException.NotFound("The host");
            return Escrow(host, entries, sighting, actor, hostCreated: false);
        });
    }

    /// <summary>The escrowed version holding exactly this Recovery ID and key (any status), or null. Compares in fixed time.</summary>
    public KeyVersionRecord? FindVersion(Guid hostId, RecoveryListEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return _keys.Match(hostId, entry);
    }

    /// <summary>
    /// Marks used the version the host booted with after a recovery (the one it lists once it is up): that key was
    /// typed at its console. A version never typed is never marked used. Audited as every status change.
    /// </summary>
    public KeyVersionRecord MarkUsed(Guid hostId, int version, Actor actor, string detail) => _database.Write(() =>
    {
        var host = Hosts.FindById(hostId) ?? throw ProblemException.NotFound("The host");
        var record = _keys.Find(hostId, version) ?? throw ProblemException.NotFound("The key version");
        _keys.ChangeStatus(host, record, KeyStatus.Used, detail, actor.Name, actor.ClientAddress, Now());
        return record;
    });

    /// <summary>
    /// Records what a collection read from the host. Version, build and boot options follow the host.
    /// Identities (SMBIOS UUID, serial, MACs) fill only empty fields: an identity that differs from the
    /// recorded one (a board swap, or esxcli's unconfirmed UUID byte order) is never overwritten, only
    /// reported, because PXE and recovery sessions find hosts by it. Audited when anything changed or differs.
    /// </summary>
    /// <returns>The identity fields that differ from what was recorded (empty when none).</returns>
    public IReadOnlyList<string> UpdateFacts(Guid hostId, HostFacts facts, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(facts);
        return _database.Write(() =>
        {
            var host = Hosts.FindById(hostId) ?? throw ProblemException.NotFound("The host");
            var changes = new List<string>();
            var differs = new List<string>();
            void Identity(string field, string? current, string? value, Action<string> apply)
            {
                if (value is null || current == value)
                    return;
                if (current is null)
                {
                    changes.Add(field);
                    apply(value);
                }
                else
                {
                    differs.Add(field);
                }
            }
            void Fact(string field, string? current, string? value, Action<string> apply)
            {
                if (value is null || current == value)
                    return;
                changes.Add(field);
                apply(value);
            }
            Identity("smbiosUuid", host.SmbiosUuid, HostIdentity.NormalizeUuid(facts.SmbiosUuid), v => host.SmbiosUuid = v);
            Identity("serial", host.Serial, HostIdentity.NormalizeSerial(facts.Serial), v => host.Serial = v);
            var macs = (facts.MacAddresses ?? []).Select(HostIdentity.NormalizeMac).OfType<string>().Distinct().Order(StringComparer.Ordinal).ToList();
            if (macs.Count > 0 && host.MacAddresses.Count == 0)
            {
                changes.Add("macAddresses");
                host.MacAddresses = macs;
            }
            else if (macs.Count > 0 && !macs.SequenceEqual(host.MacAddresses.Order(StringComparer.Ordinal)))
            {
                differs.Add("macAddresses");
            }
            Fact("esxiVersion", host.EsxiVersion, Clean(facts.EsxiVersion), v => host.EsxiVersion = v);
            Fact("esxiBuild", host.EsxiBuild, Clean(facts.EsxiBuild), v => host.EsxiBuild = v);
            if (facts.KernelOpt is not null && facts.KernelOpt.All(c => c is >= ' ' and <= '~'))
                Fact("kernelOpt", host.KernelOpt, facts.KernelOpt.Trim(), v => host.KernelOpt = v);
            var security = host.Security ??= new HostSecurity();
            void Setting<T>(string field, T? current, T? value, Action<T> apply)
                where T : struct
            {
                if (value is not { } v || EqualityComparer<T?>.Default.Equals(current, v))
                    return;
                changes.Add(field);
                apply(v);
            }
            Setting("mode", security.Mode, facts.Mode, v => security.Mode = v);
            Setting("requireSecureBoot", security.RequireSecureBoot, facts.RequireSecureBoot, v => security.RequireSecureBoot = v);
            Setting("requireExecInstalledOnly", security.RequireExecInstalledOnly, facts.RequireExecInstalledOnly, v => security.RequireExecInstalledOnly = v);
            Setting("execInstalledOnlyConfigured", security.ExecInstalledOnlyConfigured, facts.ExecInstalledOnlyConfigured, v => security.ExecInstalledOnlyConfigured = v);
            Setting("execInstalledOnlyRuntime", security.ExecInstalledOnlyRuntime, facts.ExecInstalledOnlyRuntime, v => security.ExecInstalledOnlyRuntime = v);
            Setting("firmwareSecureBoot", security.FirmwareSecureBoot, facts.FirmwareSecureBoot, v => security.FirmwareSecureBoot = v);
            Setting("tpmPresent", security.TpmPresent, facts.TpmPresent, v => security.TpmPresent = v);
            var vendor = Clean(facts.TpmVendor);
            if (vendor is not null && vendor.Length <= 64 && vendor.All(char.IsAsciiLetterOrDigit))
                Fact("tpmVendor", security.TpmVendor, vendor.ToUpperInvariant(), v => security.TpmVendor = v);
            // When the policy was read is kept for the report, but is not a change worth an audit record.
            var policyRead = facts.Mode is not null;
            if (policyRead)
                security.PolicyRead = Now();
            if (changes.Count == 0 && differs.Count == 0)
            {
                if (policyRead)
                    Hosts.Update(host);
                return differs;
            }
            if (changes.Count > 0 || policyRead)
            {
                if (changes.Count > 0)
                    host.Updated = Now();
                Hosts.Update(host);
            }
            var detail = (changes.Count > 0 ? "changed: " + string.Join(", ", changes) : "")
                + (differs.Count > 0 ? (changes.Count > 0 ? "; " : "") + "differs from the record (not changed): " + string.Join(", ", differs) : "");
            _audit.Append(new AuditEntry(actor.Name, "host.facts-collected", Target(host), AuditEntry.Success, actor.ClientAddress, detail));
            return differs;
        });
    }

    /// <summary>
    /// Imports many hosts' outputs. Every record is parsed first; the good ones are written in one
    /// transaction (hosts created by name when new), the bad ones are reported and write nothing.
    /// </summary>
    public BulkImportResponse BulkImport(IReadOnlyList<BulkImportRecord> records, Actor actor)
    {
        if (records.Count > MaxBulkRecords)
            throw ProblemException.BadRequest("too-many-records", $"A bulk import takes at most {MaxBulkRecords} records; split the file.");
        var parsed = new List<PendingImport>();
        var results = new BulkRecordResult?[records.Count];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i];
            try
            {
                if (HostIdentity.DescribeInvalidName(record.HostName) is { } nameProblem)
                    throw ProblemException.BadRequest("invalid-host", $"hostName {nameProblem}.");
                if (!seen.Add(HostIdentity.NameKey(record.HostName)))
                    throw ProblemException.BadRequest("duplicate-host", "the same host appears earlier in this import.");
                var host = record.ToHostInput();
                Apply(new HostRecord(), host, default);
                parsed.Add(new PendingImport(i, host, ParseRecoveryList(record.Output, ParseFormat(record.Format))));
            }
            catch (ProblemException e)
            {
                results[i] = new BulkRecordResult(i, record.HostName, false, null, e.Message);
            }
        }
        return WriteBulk(parsed, results, actor);
    }

    /// <summary>Imports a PowerCLI CSV export whose rows name their host.</summary>
    public BulkImportResponse ImportPowerCli(string csv, Actor actor)
    {
        IReadOnlyList<PowerCliKeyRecord> rows;
        try
        {
            rows = PowerCliExportParser.Parse(csv, _options.GroupCheck);
        }
        catch (FormatException e)
        {
            throw ProblemException.BadRequest("invalid-import", e.Message);
        }
        if (rows.Count > MaxBulkRecords)
            throw ProblemException.BadRequest("too-many-records", $"A bulk import takes at most {MaxBulkRecords} records; split the file.");
        var results = new BulkRecordResult?[rows.Count];
        var parsed = new List<PendingImport>();
        foreach (var group in rows.Select((row, index) => (row, index)).GroupBy(r => r.row.HostName is null ? null : HostIdentity.NameKey(r.row.HostName)))
        {
            foreach (var (row, index) in group)
            {
                var problem = row.HostName is null ? "the row names no host (VMHost, Name or Host column)" : HostIdentity.DescribeInvalidName(row.HostName) is { } p ? $"host name {p}" : null;
                if (problem is not null)
                    results[index] = new BulkRecordResult(index, row.HostName, false, null, $"line {row.LineNumber}: {problem}");
            }
            if (group.Key is null || group.Any(r => results[r.index] is not null))
                continue;
            var first = group.First();
            parsed.Add(new PendingImport(first.index, new HostInput(first.row.HostName!), group.Select(r => new RecoveryListEntry(r.row.RecoveryId, r.row.Key)).ToList()));
            foreach (var other in group.Skip(1))
                results[other.index] = new BulkRecordResult(other.index, other.row.HostName, true, "merged", null);
        }
        return WriteBulk(parsed, results, actor);
    }

    /// <summary>Every host with its key metadata, for export. Never key material.</summary>
    public IEnumerable<(HostRecord Host, IReadOnlyList<KeyVersionRecord> Versions)> ExportRows()
    {
        var versions = _keys.All().GroupBy(k => k.HostId).ToDictionary(g => g.Key, g => (IReadOnlyList<KeyVersionRecord>)g.OrderBy(k => k.Version).ToList());
        foreach (var host in _hosts.ByName())
            yield return (host, versions.GetValueOrDefault(host.Id, []));
    }

    private BulkImportResponse WriteBulk(
        List<PendingImport> parsed,
        BulkRecordResult?[] results,
        Actor actor)
    {
        _database.Write(() =>
        {
            foreach (var (index, input, entries) in parsed)
            {
                var host = FindByName(input.Name);
                var created = host is null;
                if (host is null)
                {
                    var now = Now();
                    host = new HostRecord { Id = Guid.NewGuid(), Created = now };
                    Apply(host, input, now);
                    // Recorded in the key's audit record ("host created by import"): one record per host keeps bulk imports fast.
                    Hosts.Insert(host);
                }
                var result = Escrow(host, entries, new HostSighting(KeySource.Imported), actor, created);
                results[index] = new BulkRecordResult(index, host.Name, true, System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(result.Outcome.ToString()), null);
            }
        });
        var final = results.Select((r, i) => r ?? new BulkRecordResult(i, null, false, null, "not processed")).ToList();
        return new BulkImportResponse(final.Count(r => r.Ok), final.Count(r => !r.Ok), final);
    }

    /// <summary>
    /// Brings a host's escrow in line with what it lists: matches each listed key to a live version (in fixed time),
    /// lets <see cref="KeyReconciler"/> decide, then writes new versions, "last verified", status changes (through
    /// <see cref="KeyVersionStore.ChangeStatus"/>), a drift event and one audit record for the observation.
    /// </summary>
    private ImportResult Escrow(HostRecord host, IReadOnlyList<RecoveryListEntry> entries, HostSighting sighting, Actor actor, bool hostCreated)
    {
        var now = Now();
        var versions = _keys.Of(host.Id).ToList();
        var live = KeyReconciler.Live(versions.Select(KeyVersionStore.Held)).Select(h => versions.Single(v => v.Version == h.Version)).ToList();
        var matched = new HashSet<int>();
        var listed = new List<ListedKey>();
        foreach (var entry in entries)
        {
            var same = _keys.Match(host.Id, entry, live.Where(v => !matched.Contains(v.Version)));
            if (same is not null)
                matched.Add(same.Version);
            listed.Add(new ListedKey(entry.RecoveryId.ToString(), same?.Version));
        }
        var rebooted = sighting.BootedAfter is { } after && host.KeysSeenBootBefore is { } before && after > before;
        var decision = KeyReconciler.Reconcile(versions.Select(KeyVersionStore.Held).ToList(),
            new KeyObservation(listed, sighting.Source, sighting.SaveConfirmed, rebooted));

        foreach (var version in decision.Verified.Select(n => versions.Single(v => v.Version == n)))
        {
            version.LastVerified = now;
            if (sighting.OnHost)
                version.VerifiedOnHost = now;
            _keys.Touch(version);
        }
        var nextVersion = versions.Count == 0 ? 1 : versions.Max(v => v.Version) + 1;
        var added = decision.Added
            .Select(a => _keys.Insert(host.Id, nextVersion++, entries[a.ListedIndex], sighting.Source, a.Status, now, sighting.OnHost))
            .ToList();
        foreach (var change in decision.Changes)
            _keys.ChangeStatus(host, versions.Single(v => v.Version == change.Version), change.To, change.Reason, actor.Name, actor.ClientAddress, now);
        if (sighting.BootedBefore is { } bootedBefore && host.KeysSeenBootBefore != bootedBefore)
        {
            host.KeysSeenBootBefore = bootedBefore;
            Hosts.Update(host);
        }

        var ids = string.Join(", ", entries.Select(e => e.RecoveryId.ToString())) + (hostCreated ? "; host created by import" : "");
        var addedText = Versions(added);
        var detail = decision.Outcome switch
        {
            KeyOutcome.Escrowed => $"version {addedText}; source {sighting.Source}; Recovery ID {ids}",
            KeyOutcome.Verified => $"source {sighting.Source}; Recovery ID {ids}",
            KeyOutcome.NewRunningVersion => $"version {addedText} is running, its save is not confirmed: the saved version still protects the next boot; source {sighting.Source}; Recovery ID {ids}",
            KeyOutcome.Drift => $"key changed outside the appliance: version {addedText} is running, the saved version is kept until a save or reboot proves it replaced; source {sighting.Source}; Recovery ID {ids}",
            _ => $"{string.Join("; ", decision.Changes.Select(c => $"version {c.Version} {KeyVersionStore.Name(c.To)}"))}"
                + (added.Count > 0 ? $"; version {addedText} escrowed as saved" : "") + $"; source {sighting.Source}; Recovery ID {ids}",
        };
        if (decision.Outcome == KeyOutcome.Drift)
        {
            Drift.Insert(new DriftEvent
            {
                Id = Guid.NewGuid(),
                HostId = host.Id,
                Time = now,
                Source = sighting.Source,
                PreviousVersion = live.Count > 0 ? live.Max(v => v.Version) : null,
                NewVersion = added.Max(v => v.Version),
                Description = "key changed outside the appliance: version " + addedText,
            });
            LogDrift(_logger, host.Name, "version " + addedText);
        }
        _audit.Append(new AuditEntry(actor.Name, AuditAction(decision.Outcome, sighting.Source), Target(host), AuditEntry.Success, actor.ClientAddress, detail));

        var versionsNow = _keys.Of(host.Id);
        var liveNow = KeyReconciler.Live(versionsNow.Select(KeyVersionStore.Held)).Select(h => h.Version).ToHashSet();
        var currentNow = versionsNow.Where(v => liveNow.Contains(v.Version)).Select(KeyVersionView.From).ToList();
        var outcome = decision.Outcome switch
        {
            KeyOutcome.Escrowed => ImportOutcome.Escrowed,
            KeyOutcome.Verified => ImportOutcome.Verified,
            _ => ImportOutcome.Changed,
        };
        var sharedWith = added.SelectMany(_keys.SharedWithOthers).Select(v => v.HostId).Distinct()
            .Select(id => Hosts.FindById(id)?.Name).OfType<string>().Order(StringComparer.Ordinal).ToList();
        var result = new ImportResult(host.Id, host.Name, outcome, currentNow, hostCreated, decision.Outcome, decision.RotationNotSaved) { SharedWith = sharedWith };
        if (sharedWith.Count > 0)
        {
            foreach (var listener in _sharedKeyListeners)
                listener.SharedKeyEscrowed(result, sighting.JobId);
        }
        return result;
    }

    private static string AuditAction(KeyOutcome outcome, KeySource source) => outcome switch
    {
        KeyOutcome.Escrowed => "key.escrowed",
        KeyOutcome.Verified => "key.verified",
        KeyOutcome.Drift => "key.changed",
        KeyOutcome.SavedConfirmed => "key.saved",
        KeyOutcome.RotationLost => "key.rotation-lost",
        _ => source == KeySource.Resealed ? "key.resealed" : "key.rotated",
    };

    private IReadOnlyList<RecoveryListEntry> ParseRecoveryList(string? output, EsxcliFormat? format)
    {
        if (string.IsNullOrWhiteSpace(output))
            throw ProblemException.BadRequest("invalid-import", "output: the recovery list output is empty.");
        try
        {
            return RecoveryListParser.Parse(output, format, _options.GroupCheck);
        }
        catch (FormatException e)
        {
            throw ProblemException.BadRequest("invalid-import", e.Message);
        }
    }

    public static EsxcliFormat? ParseFormat(string? format) => format?.Trim().ToLowerInvariant() switch
    {
        null or "" or "auto" => null,
        "table" or "text" => EsxcliFormat.Table,
        "csv" => EsxcliFormat.Csv,
        "keyvalue" => EsxcliFormat.KeyValue,
        "xml" => EsxcliFormat.Xml,
        _ => throw ProblemException.BadRequest("invalid-format", "format: expected auto, table, csv, keyvalue or xml."),
    };

    private sealed record PendingImport(int Index, HostInput Host, IReadOnlyList<RecoveryListEntry> Entries);

    private static string Versions(IEnumerable<KeyVersionRecord> versions) =>
        string.Join("+", versions.Select(v => v.Version.ToString(CultureInfo.InvariantCulture)));

    public static string Target(HostRecord host) => $"host:{host.Name}";

    private DateTime Now() => AuditChain.Truncate(_time.GetUtcNow());

    private void EnsureNameFree(HostRecord host)
    {
        var existing = Hosts.FindOne(DbQuery.Equal(nameof(HostRecord.NameKey), host.NameKey));
        if (existing is not null && existing.Id != host.Id)
            throw ProblemException.Conflict("duplicate-host", $"A host named '{host.Name}' already exists.");
    }

    private static void Apply(HostRecord host, HostInput input, DateTime now)
    {
        var errors = new List<string>();
        if (HostIdentity.DescribeInvalidName(input.Name) is { } nameProblem)
            errors.Add($"name {nameProblem}");
        var macs = new List<string>();
        foreach (var (mac, i) in (input.MacAddresses ?? []).Select((m, i) => (m, i)))
        {
            if (HostIdentity.NormalizeMac(mac) is { } normalized)
                macs.Add(normalized);
            else
                errors.Add($"macAddresses[{i}] is not a MAC address");
        }
        string? uuid = null;
        if (input.SmbiosUuid is not null && (uuid = HostIdentity.NormalizeUuid(input.SmbiosUuid)) is null)
            errors.Add("smbiosUuid is not a UUID");
        foreach (var (field, address) in new[] { ("managementAddress", input.ManagementAddress), ("bmcAddress", input.BmcAddress) })
        {
            if (!string.IsNullOrWhiteSpace(address) && !System.Net.IPAddress.TryParse(address.Trim(), out _) && HostIdentity.DescribeInvalidName(address) is not null)
                errors.Add($"{field} is neither an IP address nor a host name");
        }
        Check(errors, "serial", input.Serial, TextField.ShortLength);
        Check(errors, "esxiVersion", input.EsxiVersion, TextField.ShortLength);
        Check(errors, "esxiBuild", input.EsxiBuild, TextField.ShortLength);
        if (!Check(errors, "kernelOpt", input.KernelOpt, TextField.KernelOptLength) && input.KernelOpt is not null && input.KernelOpt.Any(c => c is < ' ' or > '~'))
            errors.Add("kernelOpt may hold only printable ASCII (the boot loader's editor takes nothing else)");
        if (input.Tags is { Count: > MaxTags })
            errors.Add($"tags: at most {MaxTags}");
        foreach (var (tag, i) in (input.Tags ?? []).Select((t, i) => (t, i)))
            Check(errors, $"tags[{i}]", tag, MaxTagLength, required: true);
        if (errors.Count > 0)
            throw ProblemException.BadRequest("invalid-host", string.Join("; ", errors) + ".");

        host.Name = input.Name.Trim();
        host.NameKey = HostIdentity.NameKey(input.Name);
        host.ManagementAddress = Clean(input.ManagementAddress);
        host.SmbiosUuid = uuid;
        host.Serial = HostIdentity.NormalizeSerial(input.Serial);
        host.MacAddresses = macs.Distinct().ToList();
        host.BmcAddress = Clean(input.BmcAddress);
        host.EsxiVersion = Clean(input.EsxiVersion);
        host.EsxiBuild = Clean(input.EsxiBuild);
        host.KernelOpt = input.KernelOpt?.Trim();
        host.Tags = (input.Tags ?? []).Select(t => t.Trim()).Distinct().ToList();
        host.Updated = now;
    }

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    public const int MaxTags = 64;
    public const int MaxTagLength = 64;

    /// <summary>Adds "field: problem" when a free-text value is too long or holds control characters; true when it did.</summary>
    private static bool Check(List<string> errors, string field, string? value, int maxLength, bool required = false)
    {
        if (TextField.Describe(value, maxLength, required) is not { } problem)
            return false;
        errors.Add($"{field}: {problem}");
        return true;
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Key drift on host {Host}: {Description}")]
    private static partial void LogDrift(ILogger logger, string host, string description);
}
