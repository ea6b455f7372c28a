using RecoveryAssist.EndToEnd.Tests.Infrastructure;
using RecoveryAssist.EsxiSimulator.State;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Features.HostOps;
using RecoveryAssist.Server.Features.Recovery;

namespace RecoveryAssist.EndToEnd.Tests.HostOps;

/// <summary>
/// The invariant under failure: a fault is injected at every step of the post-recovery job that
/// talks to the host (fail, drop the connection after acting, garble the output), armed just before the
/// step acts. After the job settles the host's running and saved keys are escrowed versions that open;
/// a job that stopped is retried and ends with the key rotated, escrowed and verified.
/// </summary>
[Collection(SshdCollection.Name)]
public sealed class FaultAtEveryStepTests(SshdFixture sshd) : IAsyncLifetime
{
    private const string List = "esxcli system settings encryption recovery list";

    private static readonly (StepKind Step, string Command)[] Targets =
    [
        (StepKind.WaitForSsh, "esxcli system stats uptime get"),
        (StepKind.CheckModeTpm, "esxcli system settings encryption get"),
        (StepKind.BackupBefore, "/sbin/auto-backup.sh"),
        (StepKind.ListAndCompare, List),
        (StepKind.Rotate, "esxcli system settings encryption recovery rotate"),
        (StepKind.EscrowRotated, List),
        (StepKind.VerifyEscrow, List),
        (StepKind.BackupAfter, "/sbin/auto-backup.sh"),
    ];

    public static TheoryData<string, FaultKind> Cases()
    {
        var data = new TheoryData<string, FaultKind>();
        foreach (var (step, _) in Targets)
        {
            foreach (var kind in new[] { FaultKind.Fail, FaultKind.DropConnection, FaultKind.Garble })
                data.Add(step.ToString(), kind);
        }
        return data;
    }

    private HostOpsAppliance _appliance = null!;

    public async Task InitializeAsync() => _appliance = await HostOpsAppliance.StartAsync();

    public async Task DisposeAsync() => await _appliance.DisposeAsync();

    [SshdTheory]
    [MemberData(nameof(Cases))]
    public async Task PostRecovery_FaultAtStep_KeyAlwaysEscrowedAndJobEndsRotated(string stepName, FaultKind kind)
    {
        var step = Enum.Parse<StepKind>(stepName);
        var (connection, host, session, original) = await PostRecoveryTests.RecoveredHostAsync(_appliance, sshd);
        var command = Targets.Single(t => t.Step == step).Command;
        var struck = false;
        _appliance.Observer.OnStep(host.Id, step, (_, record) =>
        {
            if (record.Attempts != 1)
                return;
            struck = true;
            sshd.Hosts.AddFault(connection.HostName, kind switch
            {
                FaultKind.Fail => Fault.Fail(command, times: 1),
                FaultKind.DropConnection => Fault.Drop(command, afterAction: true, times: 1),
                _ => Fault.Garble(command, times: 1),
            });
        });

        var job = await _appliance.RunAsync(JobKind.PostRecovery, host.Id);

        struck.Should().BeTrue();
        sshd.Hosts.Get(connection.HostName).CommandLog.Should().Contain(c => c.Fault == kind, "the fault struck");
        _appliance.AssertInvariant(sshd, connection.HostName, host.Id, $"after {kind} at {step}, job {job.State}");
        if (job.State == JobState.Failed)
        {
            job.Error.Should().NotBeNullOrWhiteSpace();
            _appliance.Alerts.List(host.Id, 0, 20).Should().Contain(a => a.JobId == job.Id, "a job that stops raises an alert");
            _appliance.Jobs.Retry(job.Id, HostOpsAppliance.Tester);
            job = await _appliance.WaitAsync(job.Id);
            _appliance.AssertInvariant(sshd, connection.HostName, host.Id, "after the retry");
        }

        job.State.Should().Be(JobState.Succeeded, job.Error);
        var state = sshd.Hosts.Get(connection.HostName);
        state.Config.RecoveryKey.Should().NotBe(original.Key);
        state.IsConfigDirty.Should().BeFalse();
        state.CommandLog.Count(c => c.Command.StartsWith("esxcli system settings encryption recovery rotate", StringComparison.Ordinal) && c.Fault is null or FaultKind.Garble or FaultKind.DropConnection)
            .Should().Be(1, "the key is rotated once: a rotate that may have acted is never repeated blindly");
        var versions = _appliance.Escrow.KeyVersions(host.Id);
        versions.Single(v => v.Status == KeyStatus.Current).Source.Should().Be(KeySource.Rotated);
        versions.First().Status.Should().Be(KeyStatus.Used);
        _appliance.Escrowed(host.Id, state.Config.RecoveryId, state.Config.RecoveryKey)!.Status.Should().Be(KeyStatus.Current);
        _appliance.Sessions.Get(session).State.Should().Be(SessionState.Completed);
    }
}
