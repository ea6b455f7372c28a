using RecoveryAssist.EndToEnd.Tests.Infrastructure;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Features.HostOps;
using RecoveryAssist.Server.Features.Recovery;

namespace RecoveryAssist.EndToEnd.Tests.HostOps;

[Collection(SshdCollection.Name)]
public sealed class SchedulerTests(SshdFixture sshd)
{
    [SshdFact]
    public async Task RecoveryWatch_SessionRevealed_PostRecoveryJobStartsByItselfAndCompletesSession()
    {
        await using var appliance = await HostOpsAppliance.StartAsync($"--{HostOpsOptions.Section}:RecoveryWatchSeconds=1");
        var (connection, host, session, original) = await PostRecoveryTests.RecoveredHostAsync(appliance, sshd);

        var job = await WaitForJobAsync(appliance, host.Id, JobKind.PostRecovery);
        job = await appliance.WaitAsync(job.Id);

        job.State.Should().Be(JobState.Succeeded, job.Error);
        job.RequestedBy.Should().Be("system:scheduler");
        job.SessionId.Should().Be(session);
        appliance.Sessions.Get(session).State.Should().Be(SessionState.Completed);
        sshd.Hosts.Get(connection.HostName).Config.RecoveryKey.Should().NotBe(original.Key);
        appliance.AssertInvariant(sshd, connection.HostName, host.Id, "after the watched recovery");
        appliance.Jobs.List(host.Id, null, 0, 10).Count(j => j.Kind == JobKind.PostRecovery).Should().Be(1, "one job per session");
    }

    [SshdFact]
    public async Task ScheduledCollection_IntervalSet_CollectsHostsWithSshAccess()
    {
        await using var appliance = await HostOpsAppliance.StartAsync($"--{HostOpsOptions.Section}:CollectIntervalMinutes=60", $"--{HostOpsOptions.Section}:RecoveryWatchSeconds=1");
        var connection = sshd.AddHost(HostNames.Next());
        var host = appliance.Enrol(connection);

        var job = await WaitForJobAsync(appliance, host.Id, JobKind.Collect);
        job = await appliance.WaitAsync(job.Id);

        job.State.Should().Be(JobState.Succeeded, job.Error);
        appliance.Escrow.KeyVersions(host.Id).Should().ContainSingle(v => v.Status == KeyStatus.Current);
    }

    private static async Task<JobRecord> WaitForJobAsync(HostOpsAppliance appliance, Guid hostId, JobKind kind)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            if (appliance.Jobs.List(hostId, null, 0, 10).FirstOrDefault(j => j.Kind == kind) is { } job)
                return job;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"no {kind} job was started for the host");
            await Task.Delay(50);
        }
    }
}
