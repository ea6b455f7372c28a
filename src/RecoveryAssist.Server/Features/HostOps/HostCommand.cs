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
