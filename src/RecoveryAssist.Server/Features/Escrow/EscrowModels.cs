namespace RecoveryAssist.Server.Features.Escrow;

/// <summary>Who asked, for the audit log.</summary>
internal sealed record Actor(string Name, string? ClientAddress)
{
    public static readonly Actor System = new("system", null);
}

/// <summary>A host as the API takes it (create and update).</summary>
internal sealed record HostInput(
    string Name,
    string? ManagementAddress = null,
    string? SmbiosUuid = null,
    string? Serial = null,
    IReadOnlyList<string>? MacAddresses = null,
    string? BmcAddress = null,
    string? EsxiVersion = null,
    string? EsxiBuild = null,
    string? KernelOpt = null,
    IReadOnlyList<string>? Tags = null);

internal sealed record HostView(
    Guid Id,
    string Name,
    string? ManagementAddress,
    string? SmbiosUuid,
    string? Serial,
    IReadOnlyList<string> MacAddresses,
    string? BmcAddress,
    string? EsxiVersion,
    string? EsxiBuild,
    string? KernelOpt,
    IReadOnlyList<string> Tags,
    HostSecurity Security,
    DateTime Created,
    DateTime Updated)
{
    /// <summary>The security facts are plain values the host reported (no secret): shown as stored.</summary>
    public static HostView From(HostRecord h) => new(
        h.Id, h.Name, h.ManagementAddress, h.SmbiosUuid, h.Serial, h.MacAddresses, h.BmcAddress,
        h.EsxiVersion, h.EsxiBuild, h.KernelOpt, h.Tags, h.Security ?? new HostSecurity(), h.Created, h.Updated);
}

/// <summary>Key metadata: everything about a key version except the key.</summary>
internal sealed record KeyVersionView(
    int Version,
    string RecoveryId,
    KeySource Source,
    KeyStatus Status,
    DateTime FirstSeen,
    DateTime LastVerified,
    DateTime? StatusChanged)
{
    public static KeyVersionView From(KeyVersionRecord v) =>
        new(v.Version, v.RecoveryId, v.Source, v.Status, v.FirstSeen, v.LastVerified, v.StatusChanged);
}

/// <summary>What an import did to one host's escrow.</summary>
internal enum ImportOutcome
{
    /// <summary>The host had no key; this one is now escrowed.</summary>
    Escrowed,

    /// <summary>The escrow already held exactly this key: "last verified" moved on.</summary>
    Verified,

    /// <summary>The host's key differs from the escrow: a new current version, the old one superseded, a drift event.</summary>
    Changed,
}

/// <param name="CurrentVersions">The live versions: saved ones and running ones whose save is not confirmed.</param>
/// <param name="Decision">What the observation meant (<see cref="KeyReconciler"/>).</param>
/// <param name="RotationNotSaved">A version is running whose save is not confirmed: the escrow keeps both and reveals the saved one.</param>
internal sealed record ImportResult(
    Guid HostId,
    string HostName,
    ImportOutcome Outcome,
    IReadOnlyList<KeyVersionView> CurrentVersions,
    bool HostCreated,
    KeyOutcome Decision = KeyOutcome.Verified,
    bool RotationNotSaved = false)
{
    /// <summary>Other hosts for which a newly escrowed key (or its Recovery ID) is escrowed too.</summary>
    public IReadOnlyList<string> SharedWith { get; init; } = [];
}

/// <summary>
/// How the keys being escrowed were seen. <paramref name="OnHost"/>: the host itself listed them (not an import).
/// <paramref name="SaveConfirmed"/>: listed after a save that was judged by its output and confirmed by re-reading the
/// boot bank. <paramref name="BootedAfter"/>/<paramref name="BootedBefore"/>: when the host booted (bounds from its uptime),
/// so a reboot since the last sighting is seen. <paramref name="JobId"/>: the host operation that saw them, if any.
/// </summary>
internal sealed record HostSighting(KeySource Source, bool OnHost = false, bool SaveConfirmed = false, DateTime? BootedAfter = null, DateTime? BootedBefore = null,
    Guid? JobId = null);

/// <summary>
/// Hears, inside the escrow's transaction, that a key was escrowed for a host while another host holds the same key or
/// Recovery ID: a copy/paste accident on import, or a cloned host. Whatever the path (import, bulk, host operation).
/// </summary>
internal interface ISharedKeyListener
{
    void SharedKeyEscrowed(ImportResult result, Guid? jobId);
}

/// <summary>
/// One record of a bulk import: a host name and its <c>recovery list</c> output in any format.
/// The identities are recorded when the import creates the host (they are not changed on a known host).
/// </summary>
internal sealed record BulkImportRecord(
    string HostName,
    string Output,
    string? Format = null,
    string? ManagementAddress = null,
    string? SmbiosUuid = null,
    string? Serial = null,
    IReadOnlyList<string>? MacAddresses = null)
{
    public HostInput ToHostInput() => new(HostName, ManagementAddress, SmbiosUuid, Serial, MacAddresses);
}

internal sealed record BulkImportRequest(IReadOnlyList<BulkImportRecord> Records);

internal sealed record BulkRecordResult(int Index, string? HostName, bool Ok, string? Outcome, string? Error);

internal sealed record BulkImportResponse(int Succeeded, int Failed, IReadOnlyList<BulkRecordResult> Results);

/// <summary>One host's line in the coverage report, for lists of hosts.</summary>
internal enum CoverageState
{
    Verified,
    NoKey,
    Stale,

    /// <summary>A rotated key runs but its save is not confirmed: the next boot needs the older, saved key.</summary>
    RotationNotSaved,
}

internal sealed record CoverageHost(Guid Id, string Name, string Problem, DateTime? LastVerified);

/// <param name="WithCurrentKey">Hosts with a saved key the escrow can reveal.</param>
internal sealed record CoverageReport(
    int Hosts,
    int WithCurrentKey,
    int StaleAfterDays,
    IReadOnlyList<CoverageHost> WithoutKey,
    IReadOnlyList<CoverageHost> Stale,
    IReadOnlyList<DriftView> RecentDrift)
{
    /// <summary>A rotated key is running but its save is not confirmed: the escrow reveals the saved one and offers this one.</summary>
    public IReadOnlyList<CoverageHost> RotationNotSaved { get; init; } = [];

    /// <summary>The same Recovery ID or key escrowed for two hosts.</summary>
    public IReadOnlyList<CoverageHost> SameKeyOnSeveralHosts { get; init; } = [];

    /// <summary>Hosts that list more than one key (a rotate is refused for them).</summary>
    public IReadOnlyList<CoverageHost> SeveralKeys { get; init; } = [];

    /// <summary>Keys only imported, never listed by the host itself.</summary>
    public IReadOnlyList<CoverageHost> NeverVerifiedOnHost { get; init; } = [];
}

internal sealed record DriftView(Guid HostId, string HostName, DateTime Time, string Source, int? PreviousVersion, int NewVersion, string Description);

/// <summary>What a collection read from a host about itself. Null fields were not read.</summary>
internal sealed record HostFacts(
    string? SmbiosUuid = null,
    string? Serial = null,
    IReadOnlyList<string>? MacAddresses = null,
    string? EsxiVersion = null,
    string? EsxiBuild = null,
    string? KernelOpt = null,
    RecoveryAssist.Core.Esxcli.ProtectionMode? Mode = null,
    bool? RequireSecureBoot = null,
    bool? RequireExecInstalledOnly = null,
    bool? ExecInstalledOnlyConfigured = null,
    bool? ExecInstalledOnlyRuntime = null,
    bool? FirmwareSecureBoot = null,
    bool? TpmPresent = null,
    string? TpmVendor = null);
