using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using RecoveryAssist.Core.Boot;
using RecoveryAssist.Core.Esxcli;
using RecoveryAssist.Core.Keys;
using RecoveryAssist.Server.Features.Alerts;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Hosting;

namespace RecoveryAssist.Server.Features.HostOps;

/// <summary>
/// Runs one step of a job against its host (the edge: SSH, parsers, escrow). Every step is idempotent
/// or guarded: reading and escrowing again verifies; the rotate step lists before it acts again.
/// Step outputs are summaries: no key, no password, no raw <c>recovery list</c> output.
/// </summary>
internal sealed class StepExecutor
{
    private readonly EscrowService _escrow;
    private readonly AlertService _alerts;
    private readonly HostSshAccess _access;
    private readonly IRecoveryHandoff _recovery;
    private readonly HostOpsOptions _options;
    private readonly KeyCheck _groupCheck;
    private readonly TimeProvider _time;
    private readonly IReadOnlyList<IJobStepHandler> _handlers;
    private readonly ILogger<StepExecutor> _logger;

    public StepExecutor(EscrowService escrow, AlertService alerts, HostSshAccess access, IRecoveryHandoff recovery, IOptions<HostOpsOptions> options, IOptions<AppOptions> appOptions, TimeProvider time,
        IEnumerable<IJobStepHandler> handlers, ILogger<StepExecutor> logger)
    {
        _handlers = handlers.ToList();
        _escrow = escrow;
        _alerts = alerts;
        _access = access;
        _recovery = recovery;
        _options = options.Value;
        _groupCheck = appOptions.Value.GroupCheck;
        _time = time;
        _logger = logger;
    }

    /// <param name="cancel">Cancels waiting steps only (waiting for SSH); commands that act always finish or time out.</param>
    public async Task<StepOutcome> ExecuteAsync(JobRecord job, int index, HostSession session, CancellationToken stopping, CancellationToken cancel)
    {
        var outcome = await ExecuteStepAsync(job, index, session, stopping, cancel).ConfigureAwait(false);
        // However the save after a rotate failed (an error line, a dropped connection), a job ending there leaves a rotated
        // key that is running but not saved: that is what the alert must say.
        return job.Steps[index].Kind == StepKind.BackupAfter && outcome.Kind != OutcomeKind.Succeeded
            ? outcome with { Alert = AlertKind.RotationNotSaved }
            : outcome;
    }

    private async Task<StepOutcome> ExecuteStepAsync(JobRecord job, int index, HostSession session, CancellationToken stopping, CancellationToken cancel)
    {
        var step = job.Steps[index];
        if (step.Kind is StepKind.CollectBootConfig or StepKind.CollectPlatform or StepKind.CollectNics or StepKind.CollectSecurity or StepKind.CollectVersion
            && job.Kind == JobKind.Collect && FactsFresh(job) is { } collected)
        {
            return StepOutcome.Success($"facts read at {collected:u} are fresh (FactsRefreshHours {_options.FactsRefreshHours}); not read again");
        }
        try
        {
            return step.Kind switch
            {
                StepKind.CollectKeys => await CollectKeysAsync(job, session, KeySource.Collected, stopping, readBootTime: true).ConfigureAwait(false),
                StepKind.CollectPolicy => await CollectPolicyAsync(job, session, stopping).ConfigureAwait(false),
                StepKind.CollectSecurity => await CollectSecurityAsync(job, session, stopping).ConfigureAwait(false),
                StepKind.BackupNow => await BackupNowAsync(session, stopping).ConfigureAwait(false),
                StepKind.CollectBootConfig => await CollectBootConfigAsync(job, session, stopping).ConfigureAwait(false),
                StepKind.CollectPlatform => await CollectPlatformAsync(job, session, stopping).ConfigureAwait(false),
                StepKind.CollectNics => await CollectNicsAsync(job, session, stopping).ConfigureAwait(false),
                StepKind.CollectVersion => await CollectVersionAsync(job, session, stopping).ConfigureAwait(false),
                StepKind.WaitForSsh => await WaitForSshAsync(job, step, session, stopping, cancel).ConfigureAwait(false),
                StepKind.CheckModeTpm => await CheckModeTpmAsync(session, stopping).ConfigureAwait(false),
                StepKind.BackupBefore => await BackupAsync(session, stopping).ConfigureAwait(false),
                StepKind.BackupAfter => await SaveRotationAsync(job, session, stopping).ConfigureAwait(false),
                StepKind.ListAndCompare => await ListAndCompareAsync(job, session, stopping).ConfigureAwait(false),
                StepKind.Rotate => await RotateAsync(job, step, session, stopping).ConfigureAwait(false),
                StepKind.EscrowRotated => await EscrowRotatedAsync(job, session, stopping).ConfigureAwait(false),
                StepKind.VerifyEscrow => await VerifyAsync(job, session, stopping).ConfigureAwait(false),
                StepKind.RetireOldKey => ReportOldKey(job),
                StepKind.CompleteSession => CompleteSession(job),
                var other => await (_handlers.FirstOrDefault(h => h.Handles(other))
                        ?? throw new InvalidOperationException($"No executor for step {other}."))
                    .ExecuteAsync(new StepContext(job, index, session, this, stopping, cancel)).ConfigureAwait(false),
            };
        }
        catch (HostKeyMismatchException e)
        {
            return StepOutcome.Fatal(e.Message, AlertKind.HostKeyMismatch);
        }
        catch (NoSshAccessException e)
        {
            return StepOutcome.Fatal(e.Message, AlertKind.HostUnreachable);
        }
        catch (HostUnreachableException e)
        {
            return StepOutcome.Transient(e.Message, AlertKind.HostUnreachable);
        }
        catch (CommandFailedException e)
        {
            return StepOutcome.Transient(e.Message);
        }
        catch (FormatException e)
        {
            // EsxcliParseException, BootConfigFormatException, RecoveryKeyFormatException: the parser names line and field.
            return StepOutcome.Fatal($"unexpected output: {e.Message}", AlertKind.UnparseableOutput);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Anything else (a credential SSH.NET cannot use, a store error) ends the attempt instead of leaving
            // the job running with nobody at it; the log has the detail.
            HostOpsLog.StepCrashed(_logger, e, job.Id, step.Kind, job.HostName);
            return StepOutcome.Transient($"internal error ({e.GetType().Name}); see the appliance log");
        }
    }

    /// <summary>When the facts were read recently enough to skip them in this collection; null to read them.</summary>
    private DateTime? FactsFresh(JobRecord job)
    {
        if (_options.FactsRefreshHours == 0 || job.Context.ContainsKey("readFacts"))
            return null;
        var collected = _access.Find(job.HostId)?.FactsCollected;
        if (collected is { } at && at > _time.GetUtcNow().UtcDateTime - TimeSpan.FromHours(_options.FactsRefreshHours))
            return at;
        // Decided once per job: a job that started reading facts reads all of them.
        job.Context["readFacts"] = "true";
        return null;
    }

    /// <summary>Who a job's changes are audited as.</summary>
    internal static Actor JobActor(JobRecord job) => new($"hostops-job:{job.Id}", null);

    /// <exception cref="CommandFailedException">The command exited with an error and <paramref name="requireSuccess"/> is set.</exception>
    internal static async Task<CommandResult> RunAsync(HostSession session, HostCommand command, CancellationToken cancellationToken, bool requireSuccess = true)
    {
        var result = await session.RunAsync(command, cancellationToken).ConfigureAwait(false);
        if (requireSuccess && result.ExitCode != 0)
            throw new CommandFailedException(command, result);
        return result;
    }

    /// <summary><c>recovery list</c> in csv form, falling back to the table form when the host's esxcli refuses the formatter.</summary>
    /// <param name="allowEmpty">An empty list is returned, not refused (a host in Mode NONE may have no key).</param>
    private async Task<IReadOnlyList<RecoveryListEntry>> ListAsync(HostSession session, CancellationToken cancellationToken, bool allowEmpty = false)
    {
        var csv = await RunAsync(session, HostCommand.RecoveryListCsv, cancellationToken, requireSuccess: false).ConfigureAwait(false);
        if (csv.ExitCode == 0)
            return RecoveryListParser.Parse(csv.Stdout, EsxcliFormat.Csv, _groupCheck, allowEmpty);
        if (!csv.Stdout.Contains("formatter", StringComparison.OrdinalIgnoreCase))
            throw new CommandFailedException(HostCommand.RecoveryListCsv, csv);
        var table = await RunAsync(session, HostCommand.RecoveryListTable, cancellationToken).ConfigureAwait(false);
        return RecoveryListParser.Parse(table.Stdout, EsxcliFormat.Table, _groupCheck, allowEmpty);
    }

    private static string Ids(IReadOnlyList<RecoveryListEntry> entries) => string.Join(", ", entries.Select(e => e.RecoveryId.ToString()));

    /// <summary>
    /// Lists the host's key(s) and escrows them through the verified / changed / drift logic. A host that
    /// lists no key is accepted only when it reports Mode NONE (its configuration is not sealed to a TPM).
    /// </summary>
    /// <param name="source">Collected, or Resealed when read back after a change the appliance made (no drift alert).</param>
    /// <param name="readBootTime">Read the host's boot time too, so a reboot since the last collection tells which key it came up with.</param>
    internal async Task<StepOutcome> CollectKeysAsync(JobRecord job, HostSession session, KeySource source, CancellationToken cancellationToken, bool readBootTime = false)
    {
        BootTime? boot = readBootTime ? await ReadBootTimeAsync(session, cancellationToken).ConfigureAwait(false) : null;
        var entries = await ListAsync(session, cancellationToken, allowEmpty: true).ConfigureAwait(false);
        if (entries.Count == 0)
        {
            var (settings, _) = await ReadPolicyAsync(job, session, cancellationToken).ConfigureAwait(false);
            if (settings.Mode != ProtectionMode.None)
                throw new EsxcliParseException(null, "recovery list printed no key although the host reports Mode TPM");
            return StepOutcome.Success("no recovery key: the host is in Mode NONE (its configuration is not sealed to a TPM)");
        }
        var result = Escrow(job, entries, new HostSighting(source, OnHost: true, BootedAfter: boot?.Earliest, BootedBefore: boot?.Latest));
        if (result.Decision == KeyOutcome.Drift && source == KeySource.Collected)
            _alerts.Raise(AlertKind.KeyDrift, job.HostId, job.HostName, job.Id, $"the host's key changed outside the appliance; escrowed as version {Versions(result)}");
        return StepOutcome.Success($"{entries.Count} key(s), Recovery ID {Ids(entries)}; escrow {Describe(result)}, live version(s) {Versions(result)}");
    }

    /// <summary>The key(s) the host lists and what the escrow holds of each (null: not escrowed), without escrowing anything.</summary>
    internal async Task<IReadOnlyList<(RecoveryListEntry Entry, KeyVersionRecord? Escrowed)>> ListAgainstEscrowAsync(JobRecord job, HostSession session, CancellationToken cancellationToken)
    {
        var entries = await ListAsync(session, cancellationToken, allowEmpty: true).ConfigureAwait(false);
        return entries.Select(e => (e, _escrow.FindVersion(job.HostId, e))).ToList();
    }

    private static string Versions(ImportResult result) =>
        string.Join("+", result.CurrentVersions.Select(v => v.Version.ToString(CultureInfo.InvariantCulture)));

    private static string Describe(ImportResult result) =>
        result.Decision.ToString().ToLowerInvariant() + (result.RotationNotSaved ? " (rotation-not-saved: a running key's save is not confirmed)" : "");

    /// <summary>Escrows what the host listed, as seen by this job (the escrow's listeners alert on a key shared with another host).</summary>
    private ImportResult Escrow(JobRecord job, IReadOnlyList<RecoveryListEntry> entries, HostSighting sighting) =>
        _escrow.EscrowEntries(job.HostId, entries, sighting with { JobId = job.Id }, JobActor(job));

    private async Task<StepOutcome> CollectPolicyAsync(JobRecord job, HostSession session, CancellationToken cancellationToken)
    {
        var (settings, kernel) = await ReadPolicyAsync(job, session, cancellationToken).ConfigureAwait(false);
        return StepOutcome.Success(Describe(settings) + "; " + Describe(kernel));
    }

    /// <summary>Reads the TPM policy (<c>encryption get</c>) and the execInstalledOnly kernel setting, and records them as the host's facts.</summary>
    internal async Task<(EncryptionSettings Settings, KernelSetting Kernel)> ReadPolicyAsync(JobRecord job, HostSession session, CancellationToken cancellationToken)
    {
        var settings = EncryptionSettingsParser.Parse((await RunAsync(session, HostCommand.EncryptionGet, cancellationToken).ConfigureAwait(false)).Stdout);
        var kernel = KernelSettingsParser.Parse((await RunAsync(session, HostCommand.KernelExecInstalledOnly, cancellationToken).ConfigureAwait(false)).Stdout)
            .FirstOrDefault(k => string.Equals(k.Name, "execInstalledOnly", StringComparison.Ordinal))
            ?? throw new EsxcliParseException(null, "kernel list -o execInstalledOnly printed no execInstalledOnly setting");
        ApplyFacts(job, new HostFacts(
            Mode: settings.Mode,
            RequireSecureBoot: settings.RequireSecureBoot,
            RequireExecInstalledOnly: settings.RequireExecutablesOnlyFromInstalledVibs,
            ExecInstalledOnlyConfigured: KernelBoolean(kernel.Configured, "Configured"),
            ExecInstalledOnlyRuntime: KernelBoolean(kernel.Runtime, "Runtime")));
        return (settings, kernel);
    }

    /// <summary>The kernel setting's TRUE/FALSE as a boolean.</summary>
    internal static bool KernelBoolean(string text, string column) => text.Trim().ToUpperInvariant() switch
    {
        "TRUE" => true,
        "FALSE" => false,
        _ => throw new EsxcliParseException(null, $"expected TRUE or FALSE in the {column} column of execInstalledOnly"),
    };

    internal static string Describe(EncryptionSettings s) =>
        $"Mode {s.Mode}; Require Secure Boot {s.RequireSecureBoot}; Require Executables Only From Installed VIBs {s.RequireExecutablesOnlyFromInstalledVibs}";

    internal static string Describe(KernelSetting k) =>
        $"execInstalledOnly configured {k.Configured}, runtime {k.Runtime}" + (k.PendingReboot ? " (reboot pending)" : "");

    private async Task<StepOutcome> CollectSecurityAsync(JobRecord job, HostSession session, CancellationToken cancellationToken)
    {
        var (secureBoot, trustedBoot) = await ReadSecurityAsync(job, session, cancellationToken).ConfigureAwait(false);
        return StepOutcome.Success($"firmware Secure Boot {(secureBoot ? "Enabled" : "Disabled")}; TPM {(trustedBoot.TpmPresent ? "present" : "not present")}"
            + (trustedBoot.TpmVendor is { } vendor ? $", vendor {vendor}" : trustedBoot.TpmPresent ? ", vendor not reported" : ""));
    }

    /// <summary>Reads firmware UEFI Secure Boot (secureBoot.py -s) and the TPM (trustedboot get), and records them as the host's facts.</summary>
    internal async Task<(bool FirmwareSecureBoot, TrustedBootInfo TrustedBoot)> ReadSecurityAsync(JobRecord job, HostSession session, CancellationToken cancellationToken)
    {
        var secureBoot = await ReadFirmwareSecureBootAsync(job, session, cancellationToken).ConfigureAwait(false);
        var trustedBoot = TrustedBootParser.Parse((await RunAsync(session, HostCommand.TrustedBootGet, cancellationToken).ConfigureAwait(false)).Stdout);
        ApplyFacts(job, new HostFacts(TpmPresent: trustedBoot.TpmPresent, TpmVendor: trustedBoot.TpmVendor));
        return (secureBoot, trustedBoot);
    }

    internal async Task<bool> ReadFirmwareSecureBootAsync(JobRecord job, HostSession session, CancellationToken cancellationToken)
    {
        var secureBoot = SecureBootStatusParser.Parse((await RunAsync(session, HostCommand.SecureBootStatus, cancellationToken).ConfigureAwait(false)).Stdout);
        ApplyFacts(job, new HostFacts(FirmwareSecureBoot: secureBoot));
        return secureBoot;
    }

    /// <summary>
    /// When the host booted, by the appliance's clock: the time around <c>uptime get</c> minus the uptime.
    /// The host answered some time between the request and the reply, so the boot lies between the two
    /// bounds; a later boot (a reboot) is certain when its earliest bound is after an earlier boot's latest.
    /// </summary>
    internal async Task<BootTime> ReadBootTimeAsync(HostSession session, CancellationToken cancellationToken)
    {
        var asked = _time.GetUtcNow().UtcDateTime;
        var output = (await RunAsync(session, HostCommand.Uptime, cancellationToken).ConfigureAwait(false)).Stdout;
        var answered = _time.GetUtcNow().UtcDateTime;
        var uptime = UptimeParser.Parse(output);
        return new BootTime(asked - uptime, answered - uptime);
    }

    private async Task<StepOutcome> CollectBootConfigAsync(JobRecord job, HostSession session, CancellationToken cancellationToken)
    {
        var config = BootConfig.Parse((await RunAsync(session, HostCommand.BootConfig, cancellationToken).ConfigureAwait(false)).Stdout);
        var kernelOpt = config.KernelOpt;
        var note = "";
        if (kernelOpt is not null && kernelOpt.Contains("encryptionRecoveryKey", StringComparison.OrdinalIgnoreCase))
        {
            // A recovery key persisted in boot.cfg would be readable by anyone with the boot disk.
            kernelOpt = string.Join(' ', kernelOpt.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(o => !o.StartsWith("encryptionRecoveryKey", StringComparison.OrdinalIgnoreCase)));
            note = "; kernelopt holds encryptionRecoveryKey (not recorded)";
            _alerts.Raise(AlertKind.EscrowAtRisk, job.HostId, job.HostName, job.Id, "/bootbank/boot.cfg kernelopt holds encryptionRecoveryKey: remove it from the host's boot options and rotate the key");
        }
        ApplyFacts(job, new HostFacts(KernelOpt: kernelOpt));
        return StepOutcome.Success($"build {config.Build ?? "?"}; updated {config.Updated?.ToString(CultureInfo.InvariantCulture) ?? "?"}; kernelopt '{kernelOpt}'{note}");
    }

    private async Task<StepOutcome> CollectPlatformAsync(JobRecord job, HostSession session, CancellationToken cancellationToken)
    {
        var platform = HardwarePlatformParser.Parse((await RunAsync(session, HostCommand.PlatformGet, cancellationToken).ConfigureAwait(false)).Stdout);
        var uuid = UuidFromEsxcli(platform.Uuid);
        var differs = ApplyFacts(job, new HostFacts(SmbiosUuid: uuid, Serial: platform.SerialNumber));
        return StepOutcome.Success($"{platform.VendorName} {platform.ProductName}; serial {platform.SerialNumber}; UUID {uuid ?? platform.Uuid}" + DiffersNote(differs));
    }

    private async Task<StepOutcome> CollectNicsAsync(JobRecord job, HostSession session, CancellationToken cancellationToken)
    {
        var nics = NicListParser.Parse((await RunAsync(session, HostCommand.NicList, cancellationToken).ConfigureAwait(false)).Stdout);
        var differs = ApplyFacts(job, new HostFacts(MacAddresses: nics.Select(n => n.MacAddress).ToList()));
        return StepOutcome.Success(string.Join(", ", nics.Select(n => $"{n.Name} {n.MacAddress}")) + DiffersNote(differs));
    }

    private async Task<StepOutcome> CollectVersionAsync(JobRecord job, HostSession session, CancellationToken cancellationToken)
    {
        var version = EsxiVersionParser.Parse((await RunAsync(session, HostCommand.Version, cancellationToken).ConfigureAwait(false)).Stdout);
        ApplyFacts(job, new HostFacts(EsxiVersion: version.Version, EsxiBuild: version.Build));
        _access.MarkFactsCollected(job.HostId);
        return StepOutcome.Success($"ESXi {version.Version} build {version.Build}" + (version.Release is null ? "" : $" ({version.Release})"));
    }

    internal IReadOnlyList<string> ApplyFacts(JobRecord job, HostFacts facts)
    {
        var differs = _escrow.UpdateFacts(job.HostId, facts, JobActor(job));
        if (differs.Count > 0)
            _alerts.Raise(AlertKind.IdentityChanged, job.HostId, job.HostName, job.Id, $"the host reports a {string.Join(", ", differs)} other than the recorded one (board swap?); the record was not changed");
        return differs;
    }

    private static string DiffersNote(IReadOnlyList<string> differs) =>
        differs.Count == 0 ? "" : $"; differs from the record: {string.Join(", ", differs)}";

    /// <summary>esxcli prints the SMBIOS UUID as 16 bytes <c>0xfa 0x8b ...</c>; read in printed order (byte order not confirmed).</summary>
    internal static string? UuidFromEsxcli(string text)
    {
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 16)
            return Guid.TryParse(text, out var direct) ? direct.ToString("D") : null;
        var hex = new StringBuilder(32);
        foreach (var part in parts)
        {
            var digits = part.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? part[2..] : part;
            if (digits.Length is < 1 or > 2 || !digits.All(char.IsAsciiHexDigit))
                return null;
            hex.Append(digits.PadLeft(2, '0').ToLowerInvariant());
        }
        var h = hex.ToString();
        return $"{h[..8]}-{h[8..12]}-{h[12..16]}-{h[16..20]}-{h[20..]}";
    }

    private async Task<StepOutcome> WaitForSshAsync(JobRecord job, StepRecord step, HostSession session, CancellationToken stopping, CancellationToken cancel)
    {
        // The deadline counts from the first attempt, so a restart does not extend the wait.
        if (!job.Context.TryGetValue("waitUntil", out var untilText) || !DateTime.TryParse(untilText, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var until))
        {
            until = (step.Started ?? _time.GetUtcNow().UtcDateTime) + _options.WaitForSsh;
            job.Context["waitUntil"] = until.ToString("O", CultureInfo.InvariantCulture);
        }
        using var both = CancellationTokenSource.CreateLinkedTokenSource(stopping, cancel);
        string? last = null;
        while (true)
        {
            try
            {
                var uptime = await session.RunAsync(HostCommand.Uptime, both.Token).ConfigureAwait(false);
                if (uptime.ExitCode == 0)
                    break;
                last = $"uptime exited {uptime.ExitCode}";
            }
            catch (HostUnreachableException e)
            {
                last = e.Message;
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested && !stopping.IsCancellationRequested)
            {
                return StepOutcome.Transient("cancelled while waiting for the host");
            }
            var now = _time.GetUtcNow().UtcDateTime;
            if (now >= until)
            {
                return StepOutcome.Fatal($"the host did not answer SSH within {_options.WaitForSsh.TotalSeconds:0} s (last: {last})", AlertKind.HostNeverBack);
            }
            await session.CloseAsync().ConfigureAwait(false);
            try
            {
                var delay = _options.WaitForSshPoll < until - now ? _options.WaitForSshPoll : until - now;
                await Task.Delay(delay, _time, both.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested && !stopping.IsCancellationRequested)
            {
                return StepOutcome.Transient("cancelled while waiting for the host");
            }
        }
        var sessionId = _recovery.HostSeenUp(job.HostId);
        if (sessionId is not null)
            job.SessionId ??= sessionId;
        return StepOutcome.Success("host answers SSH" + (sessionId is null ? "" : $"; recovery session {sessionId} moved to host-seen-up, revealed key marked used"));
    }

    private static async Task<StepOutcome> CheckModeTpmAsync(HostSession session, CancellationToken cancellationToken)
    {
        var settings = EncryptionSettingsParser.Parse((await RunAsync(session, HostCommand.EncryptionGet, cancellationToken).ConfigureAwait(false)).Stdout);
        if (settings.Mode != ProtectionMode.Tpm)
            return StepOutcome.Fatal($"encryption get shows Mode {settings.Mode}: the configuration is not TPM-protected, there is no recovery key to rotate", AlertKind.UnparseableOutput);
        return StepOutcome.Success(Describe(settings));
    }

    /// <summary>
    /// <c>/bin/backup.sh 0</c>: saves now, whether or not anything changed. Unlike auto-backup.sh its exit code is
    /// documented to mean something (1 on lock and boot bank failures, esxi-reference.md), so a non-zero exit is a
    /// failure; an exit 0 is then confirmed as every save is, by /bootbank/state.tgz being newer than before it
    /// (<see cref="SaveJudge"/>): a boot device that fails quietly must not pass for a saved policy. Whether it
    /// moves boot.cfg's <c>updated</c> counter is not documented, so that is not asked of it.
    /// </summary>
    private static async Task<StepOutcome> BackupNowAsync(HostSession session, CancellationToken cancellationToken)
    {
        var before = await ReadSavedTimeAsync(session, cancellationToken).ConfigureAwait(false);
        var backup = await RunAsync(session, HostCommand.BackupNow, cancellationToken, requireSuccess: false).ConfigureAwait(false);
        if (backup.ExitCode != 0)
            return StepOutcome.Transient($"backup.sh 0 exited {backup.ExitCode}: '{Redaction.Redact(FirstLine(backup.Stdout + "\n" + backup.Stderr))}'", AlertKind.BackupFailed);
        var after = await ReadSavedTimeAsync(session, cancellationToken).ConfigureAwait(false);
        return Outcome(SaveJudge.Confirm(SaveOutput.Saved, null, before, after, followsChange: false, null, "backup.sh 0"));
    }

    /// <summary>
    /// <c>/bin/backup.sh 0</c>'s sibling <c>/sbin/auto-backup.sh</c>, judged by what it printed and confirmed by re-reading
    /// <c>/bootbank/state.tgz</c>'s time (<see cref="SaveJudge"/>), never by its exit code.
    /// </summary>
    /// <param name="followsChange">The appliance changed the configuration (a rotate) before this save.</param>
    /// <param name="changedAfter">state.tgz's time before that change; null when it could not be read.</param>
    internal static async Task<SaveVerdict> SaveAsync(HostSession session, bool followsChange, long? changedAfter, CancellationToken cancellationToken)
    {
        var before = await ReadSavedTimeAsync(session, cancellationToken).ConfigureAwait(false);
        var backup = await RunAsync(session, HostCommand.AutoBackup, cancellationToken, requireSuccess: false).ConfigureAwait(false);
        var (output, problem) = SaveJudge.JudgeOutput(backup.Stdout + backup.Stderr);
        var after = output == SaveOutput.Failed ? null : await ReadSavedTimeAsync(session, cancellationToken).ConfigureAwait(false);
        return SaveJudge.Confirm(output, problem, before, after, followsChange, changedAfter);
    }

    /// <summary>
    /// /bootbank/state.tgz's modification time by the host's clock: <c>stat -c %Y</c> (one integer, no time zone or
    /// locale to parse), or <c>ls -l --full-time</c> where the host's busybox has no <c>stat</c>. Null when neither answers.
    /// </summary>
    internal static async Task<long?> ReadSavedTimeAsync(HostSession session, CancellationToken cancellationToken)
    {
        var stat = await RunAsync(session, HostCommand.StateTgzStat, cancellationToken, requireSuccess: false).ConfigureAwait(false);
        if (stat.ExitCode == 0 && SaveJudge.ParseModified(stat.Stdout, fromStat: true) is { } seconds)
            return seconds;
        var list = await RunAsync(session, HostCommand.StateTgzList, cancellationToken, requireSuccess: false).ConfigureAwait(false);
        return list.ExitCode == 0 ? SaveJudge.ParseModified(list.Stdout, fromStat: false) : null;
    }

    /// <summary>A save that follows no change of ours (before a post-recovery rotation).</summary>
    internal static async Task<StepOutcome> BackupAsync(HostSession session, CancellationToken cancellationToken)
    {
        return Outcome(await SaveAsync(session, followsChange: false, null, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>A save's step: a failed save is tried again; one that cannot be confirmed stops the job (nothing is claimed saved).</summary>
    private static StepOutcome Outcome(SaveVerdict verdict) => verdict.Kind switch
    {
        SaveConfirmation.Confirmed => StepOutcome.Success(verdict.Text),
        SaveConfirmation.Failed => StepOutcome.Transient(verdict.Text, AlertKind.BackupFailed),
        _ => StepOutcome.Fatal(verdict.Text, AlertKind.BackupFailed, settled: true),
    };

    /// <summary>
    /// Saves the rotated key and confirms it. Only then is it the saved key: listed again and escrowed as saved, the
    /// version it replaced superseded. Until then the escrow keeps both and reveals the old (saved) one.
    /// </summary>
    private async Task<StepOutcome> SaveRotationAsync(JobRecord job, HostSession session, CancellationToken cancellationToken)
    {
        long? changedAfter = job.Context.TryGetValue(JobContext.SavedBeforeChange, out var text) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ? seconds : null;
        var verdict = await SaveAsync(session, followsChange: true, changedAfter, cancellationToken).ConfigureAwait(false);
        if (verdict.Kind == SaveConfirmation.Failed)
            return StepOutcome.Transient($"{verdict.Text}; the escrow keeps revealing the saved key and offers the rotated one", AlertKind.RotationNotSaved);
        if (verdict.Kind == SaveConfirmation.CouldNotConfirm)
            return StepOutcome.Fatal($"{verdict.Text}; the escrow keeps revealing the saved key and offers the rotated one", AlertKind.RotationNotSaved, settled: true);
        var entries = await ListAsync(session, cancellationToken).ConfigureAwait(false);
        var result = Escrow(job, entries, new HostSighting(KeySource.Collected, OnHost: true, SaveConfirmed: true));
        return StepOutcome.Success($"{verdict.Text}; escrow {Describe(result)}, saved version(s) {Versions(result)}");
    }

    private static RecoveryListEntry Single(IReadOnlyList<RecoveryListEntry> entries) => entries.Count == 1
        ? entries[0]
        : throw new EsxcliParseException(null, $"expected exactly one recovery key to rotate, the host lists {entries.Count} ({Ids(entries)}): "
            + "a rotate names one Recovery ID, and the appliance will not guess which one ESXi uses. All are escrowed; find the one in use on the host "
            + "(VMware support, or remove the stale one with esxcli), then collect again and rotate");

    /// <summary>
    /// Lists the host's key and escrows it before anything changes. After a recovery the host booted from its saved
    /// configuration, so the key it lists is the one typed at its console: that version is marked used, and no other.
    /// </summary>
    private async Task<StepOutcome> ListAndCompareAsync(JobRecord job, HostSession session, CancellationToken cancellationToken)
    {
        var boot = await ReadBootTimeAsync(session, cancellationToken).ConfigureAwait(false);
        var entry = Single(await ListAsync(session, cancellationToken).ConfigureAwait(false));
        var result = Escrow(job, [entry], new HostSighting(KeySource.Collected, OnHost: true, BootedAfter: boot.Earliest, BootedBefore: boot.Latest));
        var version = _escrow.FindVersion(job.HostId, entry) ?? throw new InvalidOperationException("The key just escrowed was not found.");
        job.Context[JobContext.RecoveryId] = entry.RecoveryId.ToString();
        job.Context[JobContext.OldVersion] = version.Version.ToString(CultureInfo.InvariantCulture);
        var used = "";
        if (job.Kind == JobKind.PostRecovery)
        {
            _escrow.MarkUsed(job.HostId, version.Version, JobActor(job), $"the host came up from a recovery with this key (job {job.Id})");
            used = $"; version {version.Version} marked used (the host booted with it)";
        }
        if (result.Decision == KeyOutcome.Drift)
        {
            _alerts.Raise(AlertKind.KeyDrift, job.HostId, job.HostName, job.Id, $"the host's key differed from the escrow; escrowed as version {version.Version} before rotating");
            return StepOutcome.Success($"Recovery ID {entry.RecoveryId}: key differed from the escrow, escrowed as version {version.Version} (drift){used}");
        }
        return StepOutcome.Success($"Recovery ID {entry.RecoveryId}: matches escrowed version {version.Version} ({Describe(result)}){used}");
    }

    private async Task<StepOutcome> RotateAsync(JobRecord job, StepRecord step, HostSession session, CancellationToken cancellationToken)
    {
        var recoveryId = RecoveryId.Parse(job.Context[JobContext.RecoveryId]);
        var oldVersion = int.Parse(job.Context[JobContext.OldVersion], CultureInfo.InvariantCulture);
        if (JobMachine.RotateGuard(step) == RotateAction.ListFirst)
        {
            // An earlier attempt may have rotated (a dropped connection, a restart): list and escrow before anything else.
            var entry = Single(await ListAsync(session, cancellationToken).ConfigureAwait(false));
            if (_escrow.FindVersion(job.HostId, entry)?.Version != oldVersion)
            {
                var escrowed = EscrowRotated(job, entry);
                HostOpsLog.RotationFoundDone(_logger, job.HostName, escrowed);
                return StepOutcome.Success($"an earlier attempt had rotated: the new key (Recovery ID {entry.RecoveryId}) is escrowed as version {escrowed}");
            }
            recoveryId = entry.RecoveryId;
        }
        if (!job.Context.ContainsKey(JobContext.SavedBeforeChange)
            && await ReadSavedTimeAsync(session, cancellationToken).ConfigureAwait(false) is { } savedBefore)
        {
            // Persisted with the step's outcome; a retry that finds the rotation done keeps the first reading.
            job.Context[JobContext.SavedBeforeChange] = savedBefore.ToString(CultureInfo.InvariantCulture);
        }
        var rotate = await RunAsync(session, HostCommand.Rotate(recoveryId), cancellationToken, requireSuccess: false).ConfigureAwait(false);
        if (rotate.ExitCode == 0)
            return StepOutcome.Success($"rotate -u {recoveryId} exited 0 (the new key is read back by list)");
        var text = FirstLine(rotate.Stdout + "\n" + rotate.Stderr);
        if (text.Contains("Unable to find the recovery key", StringComparison.OrdinalIgnoreCase))
        {
            // The host refused: nothing rotated, the escrowed key still protects it.
            return StepOutcome.Fatal($"the host does not know Recovery ID {recoveryId}: '{text}'", AlertKind.RecoveryIdMismatch, settled: true);
        }
        return StepOutcome.Transient($"rotate exited {rotate.ExitCode}: '{text}'");
    }

    private int EscrowRotated(JobRecord job, RecoveryListEntry entry)
    {
        Escrow(job, [entry], new HostSighting(KeySource.Rotated, OnHost: true));
        var version = _escrow.FindVersion(job.HostId, entry) ?? throw new InvalidOperationException("The key just escrowed was not found.");
        job.Context[JobContext.NewVersion] = version.Version.ToString(CultureInfo.InvariantCulture);
        return version.Version;
    }

    private async Task<StepOutcome> EscrowRotatedAsync(JobRecord job, HostSession session, CancellationToken cancellationToken)
    {
        var oldVersion = int.Parse(job.Context[JobContext.OldVersion], CultureInfo.InvariantCulture);
        var entry = Single(await ListAsync(session, cancellationToken).ConfigureAwait(false));
        var existing = _escrow.FindVersion(job.HostId, entry);
        if (existing?.Version == oldVersion)
            return StepOutcome.Fatal("rotate exited 0 but the host still lists the old key: nothing was rotated", AlertKind.RecoveryIdMismatch, settled: true);
        var version = EscrowRotated(job, entry);
        var idNote = entry.RecoveryId.ToString() == job.Context[JobContext.RecoveryId] ? "" : $" (the Recovery ID changed from {job.Context[JobContext.RecoveryId]})";
        return StepOutcome.Success($"new key escrowed as version {version}, Recovery ID {entry.RecoveryId}{idNote}");
    }

    private async Task<StepOutcome> VerifyAsync(JobRecord job, HostSession session, CancellationToken cancellationToken)
    {
        var expected = int.Parse(job.Context[JobContext.NewVersion], CultureInfo.InvariantCulture);
        var entry = Single(await ListAsync(session, cancellationToken).ConfigureAwait(false));
        var found = _escrow.FindVersion(job.HostId, entry);
        if (found?.Version == expected && found.Status is KeyStatus.Current or KeyStatus.Unsaved)
            return StepOutcome.Success($"the host's key (Recovery ID {entry.RecoveryId}) is escrowed version {expected}, running ({found.Status.ToString().ToLowerInvariant()} until a save is confirmed)");
        // Whatever the host holds now must be in the escrow before the job stops.
        var result = Escrow(job, [entry], new HostSighting(KeySource.Collected, OnHost: true));
        return StepOutcome.Fatal($"verification failed: the host lists Recovery ID {entry.RecoveryId} with a key other than version {expected}; escrowed it as {Versions(result)} (drift)", AlertKind.RecoveryIdMismatch);
    }

    /// <summary>
    /// Says what became of the version the rotation replaced. Nothing is retired here: the confirmed save superseded
    /// it (<see cref="KeyReconciler"/>), and after a recovery the version the host booted with was marked used.
    /// </summary>
    private StepOutcome ReportOldKey(JobRecord job)
    {
        var oldVersion = int.Parse(job.Context[JobContext.OldVersion], CultureInfo.InvariantCulture);
        var record = _escrow.KeyVersions(job.HostId).Single(v => v.Version == oldVersion);
        return StepOutcome.Success($"version {oldVersion} is {record.Status.ToString().ToLowerInvariant()}");
    }

    private StepOutcome CompleteSession(JobRecord job)
    {
        if (job.SessionId is not { } sessionId)
            return StepOutcome.Success("no recovery session to complete");
        var problem = _recovery.Complete(sessionId, $"key rotated; version {job.Context[JobContext.NewVersion]} escrowed and verified; job {job.Id}");
        return problem is null
            ? StepOutcome.Success($"recovery session {sessionId} completed")
            : StepOutcome.Fatal(problem, AlertKind.JobFailed, settled: true);
    }

    internal static string FirstLine(string text) =>
        Redaction.Truncate(text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "", 200);

    /// <summary>A command exited with an error (esxcli exits 1; its message may be on stdout).</summary>
    internal sealed class CommandFailedException(HostCommand command, CommandResult result)
        : Exception($"'{command.Name}' exited {result.ExitCode}: '{Redaction.Redact(FirstLine(result.Stdout + "\n" + result.Stderr))}'");
}
