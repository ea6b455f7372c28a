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
/// The escrow: hosts, their key versions, and the import logic (verified / changed / drift).
/// Every change is written with its audit record in one transaction.
/// </summary>
internal sealed partial class EscrowService
{
    public const string HostsCollection = "hosts";
    public const string KeysCollection = "key_versions";
    public const string DriftCollection = "drift_events";
    public const int MaxBulkRecords = 10_000;

    private readonly AppDatabase _database;
    private readonly KeySealer _sealer;
    private readonly AuditLog _audit;
    private readonly TimeProvider _time;
    private readonly AppOptions _options;
    private readonly ILogger<EscrowService> _logger;

    public EscrowService(AppDatabase database, KeySealer sealer, AuditLog audit, TimeProvider time, IOptions<AppOptions> options, ILogger<EscrowService> logger)
    {
        _database = database;
        _sealer = sealer;
        _audit = audit;
        _time = time;
        _options = options.Value;
        _logger = logger;
        EnsureIndexes(database);
    }

    public static void EnsureIndexes(AppDatabase database)
    {
        var hosts = database.Collection<HostRecord>(HostsCollection);
        hosts.EnsureIndex(h => h.NameKey, unique: true);
        hosts.EnsureIndex(h => h.SmbiosUuid);
        hosts.EnsureIndex(h => h.Serial);
        hosts.EnsureIndex("MacAddresses", "$.MacAddresses[*]");
        hosts.EnsureIndex("Tags", "$.Tags[*]");
        var keys = database.Collection<KeyVersionRecord>(KeysCollection);
        keys.EnsureIndex(k => k.HostId);
        database.Collection<DriftEvent>(DriftCollection).EnsureIndex(d => d.Time);
    }

    private ILiteCollection<HostRecord> Hosts => _database.Collection<HostRecord>(HostsCollection);

    private ILiteCollection<KeyVersionRecord> Keys => _database.Collection<KeyVersionRecord>(KeysCollection);

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

    public IReadOnlyList<KeyVersionRecord> KeyVersions(Guid hostId) =>
        VersionsOf(hostId).OrderBy(k => k.Version).ToList();

    /// <summary>Imports <c>recovery list</c> output for one host.</summary>
    /// <exception cref="ProblemException">400 with the parser's message (line, group) when the output is not understood.</exception>
    public ImportResult ImportForHost(Guid hostId, string output, EsxcliFormat? format, KeySource source, Actor actor)
    {
        var entries = ParseRecoveryList(output, format);
        return _database.Write(() =>
        {
            var host = Hosts.FindById(hostId) ?? throw ProblemException.NotFound("The host");
            return Escrow(host, entries, source, actor, hostCreated: false);
        });
    }

    /// <summary>
    /// Escrows what a host reported through the verified / changed / drift logic (host operations:
    /// collection and rotation). One transaction with its audit record; joins the caller's transaction.
    /// </summary>
    public ImportResult EscrowEntries(Guid hostId, IReadOnlyList<RecoveryListEntry> entries, KeySource source, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
            throw new ArgumentException("A host always reports at least one key.", nameof(entries));
        return _database.Write(() =>
        {
            var host = Hosts.FindById(hostId) ?? throw ProblemException.NotFound("The host");
            return Escrow(host, entries, source, actor, hostCreated: false);
        });
    }

    /// <summary>The escrowed version holding exactly this Recovery ID and key (any status), or null. Compares in fixed time.</summary>
    public KeyVersionRecord? FindVersion(Guid hostId, RecoveryListEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var recoveryId = entry.RecoveryId.ToString();
        return VersionsOf(hostId)
            .Where(v => v.RecoveryId == recoveryId)
            .OrderByDescending(v => v.Version)
            .FirstOrDefault(v => _sealer.Open(v.Sealed, Binding(v)).FixedTimeEquals(entry.Key));
    }

    /// <summary>
    /// Retires a version that a rotation replaced: <paramref name="status"/> is Used (revealed for a
    /// recovery) or Superseded. A version already retired keeps the stronger status (Used). Audited.
    /// </summary>
    public KeyVersionRecord RetireVersion(Guid hostId, int version, KeyStatus status, Actor actor, string detail)
    {
        if (status == KeyStatus.Current)
            throw new ArgumentOutOfRangeException(nameof(status), "Retiring a version makes it used or superseded.");
        return _database.Write(() =>
        {
            var host = Hosts.FindById(hostId) ?? throw ProblemException.NotFound("The host");
            var record = Keys.FindById(KeyVersionRecord.MakeId(hostId, version)) ?? throw ProblemException.NotFound("The key version");
            if (record.Status == KeyStatus.Used || record.Status == status)
                return record;
            record.Status = status;
            record.StatusChanged = Now();
            Keys.Update(record);
            _audit.Append(new AuditEntry(actor.Name, status == KeyStatus.Used ? "key.used" : "key.superseded", Target(host), AuditEntry.Success, actor.ClientAddress,
                $"version {record.Version.ToString(CultureInfo.InvariantCulture)}; Recovery ID {record.RecoveryId}; {detail}"));
            return record;
        });
    }

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

    /// <summary>The key state of one host for lists (a page of hosts): no key, stale, or verified; the coverage report's rule.</summary>
    public CoverageState KeyState(Guid hostId)
    {
        var current = VersionsOf(hostId).Where(k => k.Status == KeyStatus.Current).ToList();
        if (current.Count == 0)
            return CoverageState.NoKey;
        return current.Max(k => k.LastVerified) < Now().AddDays(-_options.StaleKeyDays) ? CoverageState.Stale : CoverageState.Verified;
    }

    public CoverageReport Coverage()
    {
        var now = Now();
        var staleBefore = now.AddDays(-_options.StaleKeyDays);
        var current = Keys.Find(k => k.Status == KeyStatus.Current)
            .GroupBy(k => k.HostId)
            .ToDictionary(g => g.Key, g => g.Max(k => k.LastVerified));
        var withoutKey = new List<CoverageHost>();
        var stale = new List<CoverageHost>();
        var names = new Dictionary<Guid, string>();
        var total = 0;
        foreach (var host in Hosts.Query().OrderBy(h => h.NameKey).ToEnumerable())
        {
            total++;
            names[host.Id] = host.Name;
            if (!current.TryGetValue(host.Id, out var lastVerified))
                withoutKey.Add(new CoverageHost(host.Id, host.Name, "no escrowed key", null));
            else if (lastVerified < staleBefore)
                stale.Add(new CoverageHost(host.Id, host.Name, $"key not verified for more than {_options.StaleKeyDays} days", lastVerified));
        }
        var drift = Drift.Query().OrderByDescending(d => d.Time).Limit(100).ToList()
            .Select(d => new DriftView(d.HostId, names.GetValueOrDefault(d.HostId, "?"), d.Time, d.Source.ToString(), d.PreviousVersion, d.NewVersion, d.Description))
            .ToList();
        return new CoverageReport(total, current.Count, _options.StaleKeyDays, withoutKey, stale, drift);
    }

    /// <summary>Every host with its key metadata, for export. Never key material.</summary>
    public IEnumerable<(HostRecord Host, IReadOnlyList<KeyVersionRecord> Versions)> ExportRows()
    {
        var versions = Keys.FindAll().GroupBy(k => k.HostId).ToDictionary(g => g.Key, g => (IReadOnlyList<KeyVersionRecord>)g.OrderBy(k => k.Version).ToList());
        foreach (var host in Hosts.Query().OrderBy(h => h.NameKey).ToEnumerable())
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
                var result = Escrow(host, entries, KeySource.Imported, actor, created);
                results[index] = new BulkRecordResult(index, host.Name, true, System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(result.Outcome.ToString()), null);
            }
        });
        var final = results.Select((r, i) => r ?? new BulkRecordResult(i, null, false, null, "not processed")).ToList();
        return new BulkImportResponse(final.Count(r => r.Ok), final.Count(r => !r.Ok), final);
    }

    /// <summary>
    /// Brings a host's escrow in line with the keys it reports (the whole <c>recovery list</c>):
    /// a key already current is verified; a new one becomes a current version; a current version
    /// the host no longer reports is superseded. A change not made by the appliance is drift.
    /// </summary>
    private ImportResult Escrow(HostRecord host, IReadOnlyList<RecoveryListEntry> entries, KeySource source, Actor actor, bool hostCreated)
    {
        var now = Now();
        var versions = VersionsOf(host.Id).ToList();
        // A key revealed for a recovery (Used) still protects the host until a newer version replaces it.
        var newestCurrent = versions.Where(v => v.Status == KeyStatus.Current).Select(v => v.Version).DefaultIfEmpty(0).Max();
        var current = versions.Where(v => v.Status == KeyStatus.Current || (v.Status == KeyStatus.Used && v.Version > newestCurrent)).ToList();
        var nextVersion = versions.Count == 0 ? 1 : versions.Max(v => v.Version) + 1;
        var matched = new HashSet<string>(StringComparer.Ordinal);
        var added = new List<KeyVersionRecord>();

        foreach (var entry in entries)
        {
            var recoveryId = entry.RecoveryId.ToString();
            var same = current.FirstOrDefault(v => v.RecoveryId == recoveryId && !matched.Contains(v.Id)
                && _sealer.Open(v.Sealed, Binding(v)).FixedTimeEquals(entry.Key));
            if (same is not null)
            {
                matched.Add(same.Id);
                same.LastVerified = now;
                Keys.Update(same);
                continue;
            }
            var version = new KeyVersionRecord
            {
                Id = KeyVersionRecord.MakeId(host.Id, nextVersion),
                HostId = host.Id,
                Version = nextVersion,
                RecoveryId = recoveryId,
                Source = source,
                Status = KeyStatus.Current,
                FirstSeen = now,
                LastVerified = now,
            };
            version.Sealed = _sealer.Seal(entry.Key, Binding(version));
            Keys.Insert(version);
            added.Add(version);
            nextVersion++;
        }

        var replaced = current.Where(v => !matched.Contains(v.Id)).ToList();
        foreach (var old in replaced.Where(v => v.Status == KeyStatus.Current))
        {
            old.Status = KeyStatus.Superseded;
            old.StatusChanged = now;
            Keys.Update(old);
        }

        var outcome = added.Count == 0 && replaced.Count == 0 ? ImportOutcome.Verified
            : current.Count == 0 ? ImportOutcome.Escrowed
            : ImportOutcome.Changed;
        var detail = string.Join(", ", entries.Select(e => e.RecoveryId.ToString())) + (hostCreated ? "; host created by import" : "");
        switch (outcome)
        {
            case ImportOutcome.Verified:
                _audit.Append(new AuditEntry(actor.Name, "key.verified", Target(host), AuditEntry.Success, actor.ClientAddress, $"source {source}; Recovery ID {detail}"));
                break;
            case ImportOutcome.Escrowed:
                _audit.Append(new AuditEntry(actor.Name, "key.escrowed", Target(host), AuditEntry.Success, actor.ClientAddress, $"version {Versions(added)}; source {source}; Recovery ID {detail}"));
                break;
            default:
                var description = $"versions {Versions(replaced)} superseded by {Versions(added)}";
                if (source is KeySource.Collected or KeySource.Imported)
                {
                    Drift.Insert(new DriftEvent
                    {
                        Id = Guid.NewGuid(),
                        HostId = host.Id,
                        Time = now,
                        Source = source,
                        PreviousVersion = replaced.Count > 0 ? replaced.Max(v => v.Version) : null,
                        NewVersion = added.Count > 0 ? added.Max(v => v.Version) : current.Max(v => v.Version),
                        Description = "key changed outside the appliance: " + description,
                    });
                    LogDrift(_logger, host.Name, description);
                }
                var action = source switch
                {
                    KeySource.Rotated => "key.rotated",
                    KeySource.Resealed => "key.resealed",
                    _ => "key.changed",
                };
                _audit.Append(new AuditEntry(actor.Name, action, Target(host), AuditEntry.Success, actor.ClientAddress, $"{description}; source {source}; Recovery ID {detail}"));
                break;
        }

        var currentNow = versions.Concat(added).Where(v => v.Status == KeyStatus.Current).OrderBy(k => k.Version).Select(KeyVersionView.From).ToList();
        return new ImportResult(host.Id, host.Name, outcome, currentNow, hostCreated);
    }

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

    // Query objects, not LINQ lambdas: LiteDB translates a lambda on every call, which costs more than the lookup.
    private IEnumerable<KeyVersionRecord> VersionsOf(Guid hostId) => Keys.Find(DbQuery.Equal(nameof(KeyVersionRecord.HostId), hostId));

    private sealed record PendingImport(int Index, HostInput Host, IReadOnlyList<RecoveryListEntry> Entries);

    private static KeyBinding Binding(KeyVersionRecord v) => new(v.HostId, RecoveryId.Parse(v.RecoveryId), v.Version);

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
