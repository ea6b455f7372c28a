using RecoveryAssist.EndToEnd.Tests.HostOps;
using RecoveryAssist.EndToEnd.Tests.Infrastructure;
using RecoveryAssist.EsxiSimulator.State;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Features.HostOps;
using RecoveryAssist.Server.Features.Policy;

namespace RecoveryAssist.EndToEnd.Tests.Policy;

/// <summary>Simulated hosts for the policy tests, and what the tests look for in what a host ran.</summary>
internal static class PolicyHosts
{
    /// <summary>Policy jobs waiting for a person look again every second (default 60).</summary>
    public static readonly string[] Settings = [$"--{PolicyOptions.Section}:RecheckSeconds=1"];

    public const string SetSecureBootOn = "esxcli system settings encryption set --require-secure-boot=T";
    public const string SetSecureBootOff = "esxcli system settings encryption set --require-secure-boot=F";
    public const string SetExecOn = "esxcli system settings encryption set --require-exec-installed-only=T";
    public const string SetExecOff = "esxcli system settings encryption set --require-exec-installed-only=F";
    public const string SetModeTpm = "esxcli system settings encryption set --mode=TPM";
    public const string KernelSetExec = "esxcli system settings kernel set -s execInstalledOnly -v TRUE";
    public const string BackupNow = "/bin/backup.sh 0";
    public const string AutoBackup = "/sbin/auto-backup.sh";
    public const string List = "esxcli system settings encryption recovery list";

    /// <summary>A host enrolled and collected: its key escrowed and verified, its policy read.</summary>
    public static async Task<(SimulatedHostConnection Connection, HostRecord Host)> CollectedAsync(HostOpsAppliance appliance, SshdFixture sshd,
        Action<HostState>? configure = null, IReadOnlyList<string>? tags = null)
    {
        var connection = sshd.AddHost(HostNames.Next("pol"), configure: configure);
        var host = appliance.Enrol(connection, tags);
        var collect = await appliance.RunAsync(JobKind.Collect, host.Id);
        collect.State.Should().Be(JobState.Succeeded, collect.Error);
        return (connection, appliance.Escrow.GetHost(host.Id));
    }

    /// <summary>A host that already enforces Secure Boot (firmware Secure Boot on).</summary>
    public static void SecureBootEnforced(HostState s)
    {
        s.Hardware.FirmwareSecureBoot = true;
        s.Config.RequireSecureBoot = true;
    }

    /// <summary>A fully hardened host: Secure Boot and execInstalledOnly enforced.</summary>
    public static void Hardened(HostState s)
    {
        SecureBootEnforced(s);
        s.Config.ExecInstalledOnlyConfigured = true;
        s.Config.RequireExecInstalledOnly = true;
    }

    public static void ModeNone(HostState s)
    {
        s.Config.Mode = EncryptionMode.None;
        s.Hardware.FirmwareSecureBoot = true;
    }

    /// <summary>The commands the host ran since <paramref name="from"/> (an index into its command log), as the simulator names them.</summary>
    public static List<string> Commands(SshdFixture sshd, string hostName, int from = 0) =>
        sshd.Hosts.Get(hostName).CommandLog.Skip(from).Select(c => c.Command).ToList();

    /// <summary>The commands that change a host's policy or save its configuration.</summary>
    public static List<string> Changes(SshdFixture sshd, string hostName, int from = 0) =>
        Commands(sshd, hostName, from).Where(c => c.Contains(" set ", StringComparison.Ordinal) || c.StartsWith("/bin/backup.sh", StringComparison.Ordinal)
            || c.StartsWith(AutoBackup, StringComparison.Ordinal) || c.Contains("rotate", StringComparison.Ordinal)).ToList();

    public static PolicyChangeView Change(HostOpsAppliance appliance, Guid hostId, PolicyChangeInput input, bool mayForce = false) =>
        appliance.Policy.Change(hostId, input, HostOpsAppliance.Tester, mayForce);
}
