using System.Diagnostics;
using RecoveryAssist.Core.Keys;
using RecoveryAssist.EndToEnd.Tests.Infrastructure;
using RecoveryAssist.EsxiSimulator.State;
using Renci.SshNet.Common;

namespace RecoveryAssist.EndToEnd.Tests.Simulator;

[Collection(SshdCollection.Name)]
public sealed class FaultInjectionTests(SshdFixture sshd)
{
    private const string RotatePrefix = "esxcli system settings encryption recovery rotate";
    private static readonly TimeSpan ShortCommandTimeout = TimeSpan.FromSeconds(2);

    [SshdFact]
    public void Fail_NamedCommand_PrintsMessageExitsWithCodeAndDoesNotAct()
    {
        var host = sshd.AddHost(HostNames.Next());
        var before = sshd.Hosts.Get(host.HostName).Config;
        sshd.Hosts.AddFault(host.HostName, Fault.Fail(RotatePrefix, "Error: TPM is busy", exitCode: 1));

        var outcome = host.Run($"{RotatePrefix} -u {before.RecoveryId}");

        outcome.Should().Be(new CommandOutcome("Error: TPM is busy\n", "", 1, null));
        sshd.Hosts.Get(host.HostName).Config.RecoveryKey.Should().Be(before.RecoveryKey);
    }

    [SshdFact]
    public void Fail_OtherCommand_IsUnaffected()
    {
        var host = sshd.AddHost(HostNames.Next());
        sshd.Hosts.AddFault(host.HostName, Fault.Fail(RotatePrefix));

        host.Run("esxcli --formatter=csv system settings encryption recovery list").ExitStatus.Should().Be(0);
    }

    [SshdFact]
    public void Fail_OnceThenDisarmed_SecondAttemptSucceeds()
    {
        var host = sshd.AddHost(HostNames.Next());
        sshd.Hosts.AddFault(host.HostName, Fault.Fail("/sbin/auto-backup.sh", times: 1));
        using var client = host.Connect();

        var first = SimulatedHostConnection.Run(client, "/sbin/auto-backup.sh");
        var second = SimulatedHostConnection.Run(client, "/sbin/auto-backup.sh");

        first.Should().Be(new CommandOutcome("Error: injected failure of '/sbin/auto-backup.sh'\n", "", 1, null));
        second.ExitStatus.Should().Be(0);
        sshd.Hosts.Get(host.HostName).Faults.Should().BeEmpty();
    }

    [SshdFact]
    public void Fail_Wildcard_HitsEveryCommandWithChosenExitCode()
    {
        var host = sshd.AddHost(HostNames.Next());
        sshd.Hosts.AddFault(host.HostName, Fault.Fail("*", "boom", exitCode: 7));
        using var client = host.Connect();

        SimulatedHostConnection.Run(client, "vmware -v").ExitStatus.Should().Be(7);
        SimulatedHostConnection.Run(client, "esxcli --formatter=xml system settings encryption get").ExitStatus.Should().Be(7);
    }

    [SshdFact]
    public void Hang_BeforeAction_ClientTimesOutNothingChangesAndSessionEndsWithConnection()
    {
        var host = sshd.AddHost(HostNames.Next());
        var before = sshd.Hosts.Get(host.HostName).Config;
        sshd.Hosts.AddFault(host.HostName, Fault.Hang(RotatePrefix, afterAction: false));

        using (var client = host.Connect())
        {
            var run = () => SimulatedHostConnection.Run(client, $"{RotatePrefix} -u {before.RecoveryId}", ShortCommandTimeout);
            run.Should().Throw<SshOperationTimeoutException>();
        }

        var state = sshd.Hosts.Get(host.HostName);
        state.Config.RecoveryKey.Should().Be(before.RecoveryKey);
        state.CommandLog.Should().ContainSingle().Which.Should().BeEquivalentTo(new { Fault = FaultKind.Hang, ExitCode = (int?)null });
        WaitUntilNoSessionFor(host.HostName).Should().BeTrue("a hung simulator ends when its connection closes");
    }

    [SshdFact]
    public void Hang_AfterAction_ClientTimesOutButKeyIsRotated()
    {
        var host = sshd.AddHost(HostNames.Next());
        var before = sshd.Hosts.Get(host.HostName).Config;
        sshd.Hosts.AddFault(host.HostName, Fault.Hang(RotatePrefix, afterAction: true));

        using (var client = host.Connect())
        {
            var run = () => SimulatedHostConnection.Run(client, $"{RotatePrefix} -u {before.RecoveryId}", ShortCommandTimeout);
            run.Should().Throw<SshOperationTimeoutException>();
        }

        sshd.Hosts.Get(host.HostName).Config.RecoveryKey.Should().NotBe(before.RecoveryKey);
        WaitUntilNoSessionFor(host.HostName).Should().BeTrue();
    }

    [SshdFact]
    public void DropConnection_AfterRotate_ConnectionAbortsAndNewKeyIsInPlace()
    {
        var host = sshd.AddHost(HostNames.Next());
        var before = sshd.Hosts.Get(host.HostName).Config;
        sshd.Hosts.AddFault(host.HostName, Fault.Drop(RotatePrefix, afterAction: true, times: 1));
        var client = host.Connect();

        var run = () => SimulatedHostConnection.Run(client, $"{RotatePrefix} -u {before.RecoveryId}");

        run.Should().Throw<SshConnectionException>();
        client.IsConnected.Should().BeFalse();
        client.Dispose();
        var listed = host.Run("esxcli --formatter=csv system settings encryption recovery list").Stdout;
        var after = sshd.Hosts.Get(host.HostName).Config;
        after.RecoveryKey.Should().NotBe(before.RecoveryKey);
        listed.Should().Contain(after.RecoveryKey, "a reconnecting appliance lists the key that now protects the host");
    }

    [SshdFact]
    public void DropConnection_BeforeAction_KeyUnchanged()
    {
        var host = sshd.AddHost(HostNames.Next());
        var before = sshd.Hosts.Get(host.HostName).Config;
        sshd.Hosts.AddFault(host.HostName, Fault.Drop(RotatePrefix, afterAction: false));

        var run = () => host.Run($"{RotatePrefix} -u {before.RecoveryId}");

        run.Should().Throw<SshConnectionException>();
        sshd.Hosts.Get(host.HostName).Config.RecoveryKey.Should().Be(before.RecoveryKey);
    }

    [SshdTheory]
    [InlineData("esxcli system settings encryption recovery list")]
    [InlineData("esxcli --formatter=csv system settings encryption recovery list")]
    public void Garble_List_ExitsZeroWithOutputNoParserAccepts(string command)
    {
        var host = sshd.AddHost(HostNames.Next());
        var key = sshd.Hosts.Get(host.HostName).Config.RecoveryKey;
        sshd.Hosts.AddFault(host.HostName, Fault.Garble("esxcli system settings encryption recovery list"));

        var outcome = host.Run(command);

        outcome.ExitStatus.Should().Be(0);
        outcome.Stdout.Should().EndWith("[garbled]\n").And.NotContain(key);
        RecoveryKey.TryParse(outcome.Stdout, KeyCheck.Enforce, out _, out _).Should().BeFalse();
    }

    [SshdFact]
    public void Garble_Rotate_ActsAndPrintsNoise()
    {
        var host = sshd.AddHost(HostNames.Next());
        var before = sshd.Hosts.Get(host.HostName).Config;
        sshd.Hosts.AddFault(host.HostName, Fault.Garble(RotatePrefix));

        var outcome = host.Run($"{RotatePrefix} -u {before.RecoveryId}");

        outcome.Stdout.Should().NotBeEmpty();
        sshd.Hosts.Get(host.HostName).Config.RecoveryKey.Should().NotBe(before.RecoveryKey);
    }

    [SshdFact]
    public void Run_PoweredOffHost_ConnectionDrops()
    {
        var host = sshd.AddHost(HostNames.Next());
        sshd.Hosts.PowerOff(host.HostName);

        host.Invoking(h => h.Run("vmware -v")).Should().Throw<SshConnectionException>();
    }

    [SshdFact]
    public void CommandLog_CommandsWithGlobalOptions_RecordsNormalizedCommands()
    {
        var host = sshd.AddHost(HostNames.Next());
        using var client = host.Connect();

        SimulatedHostConnection.Run(client, "esxcli --formatter=csv system settings encryption get");
        SimulatedHostConnection.Run(client, "nonsense");

        sshd.Hosts.Get(host.HostName).CommandLog.Select(e => (e.Command, e.ExitCode)).Should().Equal(
            ("esxcli system settings encryption get", 0),
            ("nonsense", 127));
    }

    /// <summary>Polls (bounded) until no simulator process serves the host any more.</summary>
    private bool WaitUntilNoSessionFor(string hostName)
    {
        var marker = $"\0--host\0{hostName}\0";
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(15))
        {
            var running = Directory.GetDirectories("/proc").Any(d =>
            {
                try
                {
                    var commandLine = File.ReadAllText(Path.Combine(d, "cmdline"));
                    return commandLine.Contains(marker, StringComparison.Ordinal) && commandLine.Contains(sshd.StateDirectory, StringComparison.Ordinal);
                }
                catch (IOException)
                {
                    return false;
                }
                catch (UnauthorizedAccessException)
                {
                    return false;
                }
            });
            if (!running)
                return true;
            Thread.Sleep(50);
        }
        return false;
    }
}
