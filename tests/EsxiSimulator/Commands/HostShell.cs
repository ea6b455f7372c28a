using System.Globalization;
using RecoveryAssist.EsxiSimulator.State;

namespace RecoveryAssist.EsxiSimulator.Commands;

/// <summary>
/// The commands a simulated host runs. Everything here is pure over <see cref="HostState"/>: it reads
/// and changes the state it is given and returns what to print; the caller saves and prints.
/// </summary>
internal static class HostShell
{
    public const string SavingMessage = "Saving current state in /bootbank";

    /// <summary>The name faults and the command log use: tokens joined by one space, esxcli's global options removed.</summary>
    public static string Normalize(IReadOnlyList<string> argv)
    {
        if (argv.Count == 0)
            return "";
        return IsEsxcli(argv[0]) ? Esxcli.Normalize(argv) : string.Join(' ', argv);
    }

    public static CommandResult Execute(HostState state, IReadOnlyList<string> argv, DateTimeOffset now)
    {
        if (argv.Count == 0)
            return new CommandResult("", 1, "esxi-sim: an interactive shell is not simulated; send a command.\n");
        var program = argv[0];
        if (IsEsxcli(program))
            return Esxcli.Run(state, argv, now);
        return program switch
        {
            "vmware" or "/bin/vmware" => Vmware(state, argv),
            "cat" or "/bin/cat" => Cat(state, argv),
            "stat" or "/bin/stat" when state.Behaviour.StatAvailable => Stat(state, argv),
            "ls" or "/bin/ls" => List(state, argv),
            "/sbin/auto-backup.sh" or "auto-backup.sh" => AutoBackup(state, now),
            "/bin/backup.sh" or "backup.sh" => Backup(state, argv, now),
            "reboot" or "/bin/reboot" or "/sbin/reboot" => Reboot(state, now),
            "/usr/lib/vmware/secureboot/bin/secureBoot.py" => SecureBoot(state, argv),
            _ => new CommandResult("", 127, $"sh: {program}: not found\n"),
        };
    }

    private static bool IsEsxcli(string program) => program is "esxcli" or "/bin/esxcli" or "/sbin/esxcli";

    /// <summary>
    /// <c>vmware -v</c>: "VMware ESXi 8.0.2 build-22380479" (real format, e.g. "VMware ESXi 7.0.3 build-24784741");
    /// <c>-l</c>: "VMware ESXi 8.0 Update 2" (the /etc/vmware-release line; "GA" for an x.y.0 release is a GUESS).
    /// </summary>
    private static CommandResult Vmware(HostState state, IReadOnlyList<string> argv)
    {
        var flags = string.Concat(argv.Skip(1).Select(a => a.TrimStart('-')));
        if (argv.Skip(1).Any(a => !a.StartsWith('-')) || flags.Length == 0 || flags.Any(c => c is not ('v' or 'l')))
            return new CommandResult("", 1, "Usage: vmware [-v|--version] [-l|--level]\n"); // GUESS
        var software = state.Software;
        var parts = software.Version.Split('.');
        var release = $"{parts[0]}.{parts.ElementAtOrDefault(1) ?? "0"}";
        var update = parts.ElementAtOrDefault(2) is { } u && u != "0" ? $"Update {u}" : "GA";
        var text = "";
        if (flags.Contains('v', StringComparison.Ordinal))
            text += $"VMware ESXi {software.Version} build-{software.Build}\n";
        if (flags.Contains('l', StringComparison.Ordinal))
            text += $"VMware ESXi {release} {update}\n";
        return CommandResult.Ok(text);
    }

    private static CommandResult Cat(HostState state, IReadOnlyList<string> argv)
    {
        if (argv.Count != 2)
            return new CommandResult("", 1, "cat: the simulator reads exactly one file\n");
        return argv[1] is "/bootbank/boot.cfg"
            ? CommandResult.Ok(BootCfg(state))
            : new CommandResult("", 1, $"cat: can't open '{argv[1]}': No such file or directory\n");
    }

    /// <summary>An installed 8.0 U2 host's boot.cfg (the shape of tests/RecoveryAssist.Core.Tests/Fixtures/boot/installed-8.0u2.cfg).</summary>
    public static string BootCfg(HostState state)
    {
        var software = state.Software;
        return "bootstate=0\n"
            + "title=Loading VMware ESXi\n"
            + "timeout=5\n"
            + "prefix=\n"
            + "kernel=b.b00\n"
            + $"kernelopt={software.Kernelopt}\n"
            + "modules=jumpstrt.gz --- useropts.gz --- features.gz --- k.b00 --- uc_intel.b00 --- uc_amd.b00 --- uc_hygon.b00 --- procfs.b00 --- vmx.v00 --- vim.v00 --- tpm.v00 --- sb.v00 --- s.v00 --- atlantic.v00 --- state.tgz\n"
            + $"build={software.Version}-0.0.{software.Build}\n"
            + $"updated={software.BootBankUpdated}\n";
    }

    public const string BootbankMissing = "Bootbank cannot be found at path '/bootbank'";

    /// <summary>
    /// Saves only when the configuration changed, says so in one of the published shapes, and exits 0 even when
    /// the save failed (esxi-reference.md, "Persisting and rotating").
    /// </summary>
    private static CommandResult AutoBackup(HostState state, DateTimeOffset now)
    {
        if (!state.IsConfigDirty)
            return CommandResult.Ok();
        if (state.Behaviour.AutoBackupErrorLine)
            return CommandResult.Ok(BootbankMissing + "\n");
        if (!state.Behaviour.AutoBackupSilentlyFails)
            HostLifecycle.Save(state, now);
        return CommandResult.Ok(SavedOutput(state.Behaviour.BackupOutput, now));
    }

    /// <summary>What auto-backup.sh prints when it saves, in the shape asked for.</summary>
    public static string SavedOutput(BackupOutputShape shape, DateTimeOffset now)
    {
        var clock = $"Clock updated.\nTime: {now.UtcDateTime:HH:mm:ss}   Date: {now.UtcDateTime:MM/dd/yyyy}   UTC\n";
        return shape switch
        {
            BackupOutputShape.OneLine => SavingMessage + "\n",
            BackupOutputShape.WithClock => SavingMessage + "\n" + clock,
            _ => "ConfigStore: exporting configuration\nConfigStore: export complete\n" + SavingMessage + "\n" + clock, // GUESS: wording of 8.0's lines
        };
    }

    private const string StateTgz = "/bootbank/state.tgz";

    /// <summary><c>stat -c %Y /bootbank/state.tgz</c>: the modification time in seconds since the epoch (the only form simulated).</summary>
    private static CommandResult Stat(HostState state, IReadOnlyList<string> argv)
    {
        if (argv.Count != 4 || argv[1] != "-c" || argv[2] != "%Y")
            return new CommandResult("", 1, "stat: the simulator implements 'stat -c %Y FILE' only\n");
        return argv[3] == StateTgz
            ? CommandResult.Ok(state.StateTgzModified.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) + "\n")
            : new CommandResult("", 1, $"stat: can't stat '{argv[3]}': No such file or directory\n");
    }

    /// <summary><c>ls -l --full-time /bootbank/state.tgz</c> in the shape the host's busybox prints.</summary>
    private static CommandResult List(HostState state, IReadOnlyList<string> argv)
    {
        if (argv.Count != 4 || argv[1] != "-l" || argv[2] != "--full-time")
            return new CommandResult("", 1, "ls: the simulator implements 'ls -l --full-time FILE' only\n");
        if (state.Behaviour.LsFullTime == FullTimeShape.Unsupported)
            return new CommandResult("", 1, "ls: unrecognized option '--full-time'\nBusyBox v1.22.1 multi-call binary.\n");
        if (argv[3] != StateTgz)
            return new CommandResult("", 1, $"ls: {argv[3]}: No such file or directory\n");
        var time = state.StateTgzModified.UtcDateTime;
        var stamp = state.Behaviour.LsFullTime == FullTimeShape.Iso
            ? time.ToString("yyyy-MM-dd HH:mm:ss.fffffff00 +0000", CultureInfo.InvariantCulture)
            : time.ToString("ddd MMM ", CultureInfo.InvariantCulture) + time.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2) + time.ToString(" HH:mm:ss yyyy", CultureInfo.InvariantCulture);
        return CommandResult.Ok($"-rwx------    1 root     root        181323 {stamp} {StateTgz}\n");
    }

    /// <summary><c>/bin/backup.sh 0</c> saves now; exit 1 when the boot bank lock cannot be taken; exit 0 and nothing saved when told to fail quietly.</summary>
    private static CommandResult Backup(HostState state, IReadOnlyList<string> argv, DateTimeOffset now)
    {
        if (argv.Count != 2 || argv[1] is not ("0" or "1"))
            return new CommandResult("", 1, "Usage: /bin/backup.sh <0|1> (0: not shutting down)\n"); // GUESS
        if (state.Behaviour.BackupLockFails)
            return new CommandResult("", 1, "Failed to acquire lock on /bootbank: resource busy\n"); // GUESS: wording
        if (!state.Behaviour.BackupNowSilentlyFails)
            HostLifecycle.Save(state, now);
        return CommandResult.Ok();
    }

    /// <summary>An orderly reboot: ESXi saves at shutdown, then boots from the saved configuration.</summary>
    private static CommandResult Reboot(HostState state, DateTimeOffset now)
    {
        HostLifecycle.Boot(state, now, saveFirst: true);
        return CommandResult.Ok();
    }

    /// <summary><c>secureBoot.py -s</c> prints "Enabled" or "Disabled" (DISA STIG ESXi checks expect "Enabled").</summary>
    private static CommandResult SecureBoot(HostState state, IReadOnlyList<string> argv)
    {
        if (argv.Count != 2 || argv[1] is not ("-s" or "--status"))
            return new CommandResult("", 1, "usage: secureBoot.py [-s] (the simulator implements -s only)\n");
        return CommandResult.Ok(state.Hardware.FirmwareSecureBoot ? "Enabled\n" : "Disabled\n");
    }
}
