using System.Text.RegularExpressions;
using RecoveryAssist.Core.Keys;

namespace RecoveryAssist.Server.Features.HostOps;

/// <summary>
/// The fixed catalogue of what the appliance may run on a host. A command is built only by the
/// factories below from validated values (a <see cref="RecoveryId"/> is a GUID by type, a key id
/// is checked), so no free-form string ever reaches a host's shell.
/// </summary>
internal sealed partial class HostCommand
{
    private HostCommand(string name, string text, bool mutates)
    {
        Name = name;
        Text = text;
        Mutates = mutates;
    }

    /// <summary>A short stable name for job history and logs, e.g. <c>recovery-list</c>.</summary>
    public string Name { get; }

    /// <summary>The exact command line sent to the host.</summary>
    public string Text { get; }

    /// <summary>True when the command changes the host (rotate, backup).</summary>
    public bool Mutates { get; }

    public static readonly HostCommand RecoveryListCsv = new("recovery-list", "esxcli --formatter=csv system settings encryption recovery list", false);

    /// <summary>The table form: the fallback when a host's esxcli does not answer the csv formatter.</summary>
    public static readonly HostCommand RecoveryListTable = new("recovery-list-table", "esxcli system settings encryption recovery list", false);

    public static readonly HostCommand EncryptionGet = new("encryption-get", "esxcli system settings encryption get", false);

    public static readonly HostCommand BootConfig = new("boot-cfg", "cat /bootbank/boot.cfg", false);

    public static readonly HostCommand PlatformGet = new("platform-get", "esxcli hardware platform get", false);

    public static readonly HostCommand NicList = new("nic-list", "esxcli network nic list", false);

    public static readonly HostCommand Version = new("version", "vmware -vl", false);

    public static readonly HostCommand Uptime = new("uptime", "esxcli system stats uptime get", false);

    /// <summary>The execInstalledOnly kernel setting: configured (next boot) and runtime values.</summary>
    public static readonly HostCommand KernelExecInstalledOnly = new("kernel-list-exec", "esxcli system settings kernel list -o execInstalledOnly", false);

    /// <summary>Whether UEFI Secure Boot is on in the firmware, as the running host sees it (esxi-reference.md).</summary>
    public static readonly HostCommand SecureBootStatus = new("secure-boot-status", "/usr/lib/vmware/secureboot/bin/secureBoot.py -s", false);

    public static readonly HostCommand TrustedBootGet = new("trustedboot-get", "esxcli hardware trustedboot get", false);

    /// <summary>Saves the configuration now (0: not shutting down); exit 1 on lock or boot bank failures.</summary>
    public static readonly HostCommand BackupNow = new("backup-now", "/bin/backup.sh 0", true);

    /// <summary><c>encryption set --mode=TPM</c>: seals the configuration to the TPM. It cannot be undone.</summary>
    public static readonly HostCommand SetModeTpm = new("set-mode-tpm", "esxcli system settings encryption set --mode=TPM", true);

    /// <summary>Sets the kernel boot option execInstalledOnly to TRUE (effective at the next boot). Never set to FALSE here: see Features/Policy.</summary>
    public static readonly HostCommand SetExecInstalledOnlyOption = new("kernel-set-exec", "esxcli system settings kernel set -s execInstalledOnly -v TRUE", true);

    public static HostCommand SetRequireSecureBoot(bool on) =>
        new("set-require-secure-boot", "esxcli system settings encryption set --require-secure-boot=" + (on ? "T" : "F"), true);

    public static HostCommand SetRequireExecInstalledOnly(bool on) =>
        new("set-require-exec-installed-only", "esxcli system settings encryption set --require-exec-installed-only=" + (on ? "T" : "F"), true);

    /// <summary>The saved configuration's modification time, seconds since the epoch: how a save is confirmed (esxi-reference.md).</summary>
    public static readonly HostCommand StateTgzStat = new("state-tgz-stat", "stat -c %Y /bootbank/state.tgz", false);

    /// <summary>The fallback when the host's busybox has no <c>stat</c>: one <c>ls</c> line with the full time.</summary>
    public static readonly HostCommand StateTgzList = new("state-tgz-ls", "ls -l --full-time /bootbank/state.tgz", false);

    /// <summary>Persists the configuration; exit 0 even when the save failed (esxi-reference.md): judge by output and state.</summary>
    public static readonly HostCommand AutoBackup = new("auto-backup", "/sbin/auto-backup.sh", true);

    /// <summary><c>recovery rotate -u &lt;RecoveryID&gt;</c>, optionally <c>-k &lt;keyID&gt;</c> naming a key in the key cache.</summary>
    /// <exception cref="ArgumentException">The key id is not a plain identifier.</exception>
    public static HostCommand Rotate(RecoveryId recoveryId, string? keyId = null)
    {
        if (keyId is not null && !KeyIdPattern().IsMatch(keyId))
            throw new ArgumentException("A key id holds 1 to 128 letters, digits, '.', '_', ':' or '-'.", nameof(keyId));
        var text = "esxcli system settings encryption recovery rotate"
            + (keyId is null ? "" : " -k " + keyId)
            + " -u " + recoveryId;
        return new HostCommand("recovery-rotate", text, true);
    }

    public static bool IsValidKeyId(string? keyId) => keyId is not null && KeyIdPattern().IsMatch(keyId);

    /// <summary>The command text, never a secret: nothing in the catalogue carries key material.</summary>
    public override string ToString() => Text;

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,128}$", RegexOptions.CultureInvariant)]
    private static partial Regex KeyIdPattern();
}
