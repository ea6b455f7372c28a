namespace RecoveryAssist.EsxiSimulator.State;

/// <summary>
/// Everything one simulated ESXi host knows, stored as one JSON file. Tests read and change it
/// through <see cref="HostStore"/>; the simulator changes it when a command acts.
/// </summary>
/// <remarks>
/// The recovery keys in here are test data: the file is the simulated host's disk. Nothing in the
/// simulator prints them except the <c>recovery list</c> command, as ESXi does.
/// </remarks>
public sealed class HostState
{
    public string Name { get; set; } = "";

    /// <summary>The running configuration (what ESXi holds in memory and reports).</summary>
    public HostConfig Config { get; set; } = new();

    /// <summary>
    /// The configuration as last saved to the boot bank (state.tgz). A reboot keeps it; a crash
    /// (<see cref="HostStore.PowerCycle"/>) throws away what was not saved.
    /// </summary>
    public HostConfig SavedConfig { get; set; } = new();

    /// <summary>Set when something outside <see cref="Config"/> changed and needs saving (e.g. a reseal after recovery).</summary>
    public bool ExtraDirty { get; set; }

    public bool IsConfigDirty => ExtraDirty || !Config.SameAs(SavedConfig);

    public HostHardware Hardware { get; set; } = new();

    public HostSoftware Software { get; set; } = new();

    public PowerState Power { get; set; } = PowerState.Running;

    /// <summary>Why the last boot stopped (the console message ESXi shows), when <see cref="Power"/> is not running.</summary>
    public string? BootFailure { get; set; }

    public DateTimeOffset BootTime { get; set; }

    /// <summary>When the boot bank's <c>state.tgz</c> (the saved configuration) was last written, whole seconds (host clock, UTC).</summary>
    public DateTimeOffset StateTgzModified { get; set; }

    /// <summary>The kernel settings as the running VMkernel uses them (take effect at boot).</summary>
    public bool ExecInstalledOnlyRuntime { get; set; }

    /// <summary>True after the host was booted with encryptionRecoveryKey, until the next boot.</summary>
    public bool BootedWithRecoveryKey { get; set; }

    /// <summary>
    /// True when the configuration is sealed to a TPM that is no longer there (board or TPM swapped, TPM
    /// cleared): a boot in Mode TPM then needs the recovery key; a save after recovery reseals.
    /// </summary>
    public bool SealedToOldTpm { get; set; }

    public HostBehaviour Behaviour { get; set; } = new();

    public List<Fault> Faults { get; set; } = [];

    /// <summary>The commands this host ran, oldest first (at most <see cref="CommandLogLimit"/>). Never contains a key.</summary>
    public List<CommandLogEntry> CommandLog { get; set; } = [];

    public const int CommandLogLimit = 500;

    public bool RebootPending => Config.ExecInstalledOnlyConfigured != ExecInstalledOnlyRuntime;

    /// <summary>Whether <c>recovery list</c> shows the configuration's key (see <see cref="HostBehaviour.KeyInModeNone"/>).</summary>
    public bool HasRecoveryKey => Config.RecoveryId.Length > 0 && (Config.Mode == EncryptionMode.Tpm || Behaviour.KeyInModeNone);
}

/// <summary>What ESXi persists in state.tgz: the secure configuration, its policy, the kernel boot options.</summary>
public sealed class HostConfig
{
    /// <summary>Upper-case GUID in braces, as <c>recovery list</c> prints it.</summary>
    public string RecoveryId { get; set; } = "";

    /// <summary>The current recovery key, canonical text (16 groups).</summary>
    public string RecoveryKey { get; set; } = "";

    /// <summary>Keys in the VMkernel key cache that <c>rotate -k</c> may name.</summary>
    public List<CachedKey> KeyCache { get; set; } = [];

    public EncryptionMode Mode { get; set; } = EncryptionMode.Tpm;

    public bool RequireSecureBoot { get; set; }

    public bool RequireExecInstalledOnly { get; set; }

    /// <summary>The configured value of the kernel setting execInstalledOnly (effective after a reboot).</summary>
    public bool ExecInstalledOnlyConfigured { get; set; }

    internal bool SameAs(HostConfig other) =>
        RecoveryId == other.RecoveryId
        && RecoveryKey == other.RecoveryKey
        && Mode == other.Mode
        && RequireSecureBoot == other.RequireSecureBoot
        && RequireExecInstalledOnly == other.RequireExecInstalledOnly
        && ExecInstalledOnlyConfigured == other.ExecInstalledOnlyConfigured
        && KeyCache.Select(k => (k.KeyId, k.Key)).SequenceEqual(other.KeyCache.Select(k => (k.KeyId, k.Key)));

    public HostConfig Copy() => new()
    {
        RecoveryId = RecoveryId,
        RecoveryKey = RecoveryKey,
        KeyCache = KeyCache.Select(k => new CachedKey { KeyId = k.KeyId, Key = k.Key }).ToList(),
        Mode = Mode,
        RequireSecureBoot = RequireSecureBoot,
        RequireExecInstalledOnly = RequireExecInstalledOnly,
        ExecInstalledOnlyConfigured = ExecInstalledOnlyConfigured,
    };
}

public sealed class CachedKey
{
    public string KeyId { get; set; } = "";

    public string Key { get; set; } = "";
}

public enum EncryptionMode
{
    None,
    Tpm,
}

public enum PowerState
{
    /// <summary>Up and answering SSH.</summary>
    Running,

    /// <summary>Stopped at boot: the configuration cannot be decrypted or a policy is violated; SSH connections drop.</summary>
    WaitingForRecovery,

    /// <summary>Off; SSH connections drop.</summary>
    Off,
}

public sealed class HostHardware
{
    public Guid SmbiosUuid { get; set; }

    public string Vendor { get; set; } = "Dell Inc.";

    public string Product { get; set; } = "PowerEdge R650";

    public string SerialNumber { get; set; } = "";

    public bool FirmwareSecureBoot { get; set; }

    public bool TpmPresent { get; set; } = true;

    /// <summary>TPM manufacturer as the TCG vendor id: IFX (Infineon), NTC (Nuvoton), NTZ (NationZ), STM, INTC, AMD...</summary>
    public string TpmVendor { get; set; } = "STM";

    public List<SimulatedNic> Nics { get; set; } = [];
}

public sealed class SimulatedNic
{
    public string Name { get; set; } = "";

    public string PciDevice { get; set; } = "";

    public string Driver { get; set; } = "ntg3";

    public bool LinkUp { get; set; } = true;

    public int SpeedMbps { get; set; } = 1000;

    public string MacAddress { get; set; } = "";

    public int Mtu { get; set; } = 1500;

    public string Description { get; set; } = "Broadcom Corporation NetXtreme BCM5720 Gigabit Ethernet";
}

public sealed class HostSoftware
{
    /// <summary>Three-part version, e.g. 8.0.2 (7.0.2 is "7.0 Update 2").</summary>
    public string Version { get; set; } = "8.0.2";

    public string Build { get; set; } = "22380479";

    public string Kernelopt { get; set; } = "autoPartition=FALSE";

    /// <summary>The boot bank's <c>updated</c> counter (safeboot picks the bank by it). A plain backup leaves it alone: not documented to change.</summary>
    public int BootBankUpdated { get; set; } = 3;
}

/// <summary>Switches for behaviour that is uncertain on real ESXi, so tests can cover every variant.</summary>
public sealed class HostBehaviour
{
    /// <summary>How <c>recovery list</c> prints the key in table form (esxi-reference.md: uncertain).</summary>
    public RecoveryListLayout ListLayout { get; set; } = RecoveryListLayout.OneLine;

    /// <summary>Whether <c>rotate</c> also gives the host a new Recovery ID (undocumented; default: it keeps it).</summary>
    public bool RotateChangesRecoveryId { get; set; }

    /// <summary>
    /// Forces <c>set --mode=TPM</c> to succeed (false) or fail (true); null applies the known-bad list
    /// (NationZ, Infineon, Nuvoton on 7.0.2; NationZ on 7.0.3).
    /// </summary>
    public bool? TpmModeFails { get; set; }

    /// <summary><c>/sbin/auto-backup.sh</c> says it saves, exits 0, and saves nothing.</summary>
    public bool AutoBackupSilentlyFails { get; set; }

    /// <summary><c>/sbin/auto-backup.sh</c> prints an error line (<c>Bootbank cannot be found at path '/bootbank'</c>), saves nothing, exits 0.</summary>
    public bool AutoBackupErrorLine { get; set; }

    /// <summary>Which of the published success shapes <c>/sbin/auto-backup.sh</c> prints when it saves.</summary>
    public BackupOutputShape BackupOutput { get; set; } = BackupOutputShape.WithClock;

    /// <summary>Whether the host's busybox has <c>stat</c> (<c>stat -c %Y</c>); without it: <c>sh: stat: not found</c>, exit 127.</summary>
    public bool StatAvailable { get; set; } = true;

    /// <summary>How <c>ls -l --full-time</c> prints the time (busybox builds differ), or that it refuses the option.</summary>
    public FullTimeShape LsFullTime { get; set; } = FullTimeShape.Iso;

    /// <summary><c>/bin/backup.sh 0</c> fails to take its lock and exits 1.</summary>
    public bool BackupLockFails { get; set; }

    /// <summary>
    /// <c>/bin/backup.sh 0</c> exits 0 and saves nothing, as a failing boot device might. Not documented either way:
    /// offered so that an exit code alone never passes for a save.
    /// </summary>
    public bool BackupNowSilentlyFails { get; set; }

    /// <summary>
    /// Whether a host in Mode NONE lists (and rotates) a recovery key. Not documented; default (GUESS): it does
    /// not, because the key exists to recover a TPM-sealed configuration; <c>set --mode=TPM</c> then creates one.
    /// True: the key exists in Mode NONE too and is kept when the mode changes.
    /// </summary>
    public bool KeyInModeNone { get; set; }
}

/// <summary>What <c>/sbin/auto-backup.sh</c> prints when it saves (esxi-reference.md, "Persisting and rotating").</summary>
public enum BackupOutputShape
{
    /// <summary><c>Saving current state in /bootbank</c> alone.</summary>
    OneLine,

    /// <summary>The saving line, then <c>Clock updated.</c> and <c>Time: 08:51:07   Date: 03/18/2021   UTC</c> (published 7.x transcripts).</summary>
    WithClock,

    /// <summary>8.0: ConfigStore lines first (GUESS: their wording), then the three-line form.</summary>
    ConfigStoreFirst,
}

/// <summary>The time column of <c>ls -l --full-time</c>.</summary>
public enum FullTimeShape
{
    /// <summary>GNU coreutils and newer busybox: <c>2026-12-06 09:15:14.000000000 +0000</c>.</summary>
    Iso,

    /// <summary>Older busybox (<c>-e</c> style): <c>Sun Dec  6 09:15:14 2026</c>.</summary>
    CTime,

    /// <summary>A busybox without the option: <c>ls: unrecognized option '--full-time'</c>, exit 1.</summary>
    Unsupported,
}

public enum RecoveryListLayout
{
    /// <summary>The key on the same line as its Recovery ID.</summary>
    OneLine,

    /// <summary>The key split after its ninth group onto a continuation line, as in VMware's published sample.</summary>
    Wrapped,
}

public sealed class CommandLogEntry
{
    public DateTimeOffset At { get; set; }

    public string Command { get; set; } = "";

    /// <summary>Exit code, or null when the session hung or dropped before one was given.</summary>
    public int? ExitCode { get; set; }

    /// <summary>The fault that was injected, if any.</summary>
    public FaultKind? Fault { get; set; }
}
