using RecoveryAssist.EndToEnd.Tests.Infrastructure;
using RecoveryAssist.EsxiSimulator.State;
using RecoveryAssist.Server.Features.Escrow;

namespace RecoveryAssist.EndToEnd.Tests.HostOps;

/// <summary><c>recoveryassist collect|rotate|job</c> as a process, against the appliance and simulated hosts behind the real sshd.</summary>
[Collection(SshdCollection.Name)]
public sealed class CliHostOpsTests(SshdFixture sshd) : IAsyncLifetime
{
    private HostOpsAppliance _appliance = null!;
    private CliProcess _cli = null!;

    public async Task InitializeAsync()
    {
        _appliance = await HostOpsAppliance.StartAsync();
        _cli = _appliance.Cli(_appliance.CreateToken("automation"));
    }

    public async Task DisposeAsync()
    {
        _cli.Dispose();
        await _appliance.DisposeAsync();
    }

    [SshdFact]
    public async Task CollectThenRotateWithWait_KeyEscrowedThenRotated_JobsListedForTheHost()
    {
        var connection = sshd.AddHost(HostNames.Next());
        var host = _appliance.Enrol(connection);

        var collect = await _cli.RunAsync("collect", connection.HostName, "--wait");
        var collectedKey = sshd.Hosts.Get(connection.HostName).Config.RecoveryKey;
        var rotate = await _cli.RunAsync("rotate", connection.HostName, "--wait");
        var jobs = await _cli.RunAsync("job", "list", "--host", connection.HostName);
        var shown = await _cli.RunAsync("job", "show", rotate.Json.GetProperty("id").GetString()!);

        collect.ExitCode.Should().Be(0, collect.ToString());
        collect.Json.GetProperty("state").GetString().Should().Be("succeeded");
        rotate.ExitCode.Should().Be(0, rotate.ToString());
        rotate.Json.GetProperty("kind").GetString().Should().Be("rotate");
        var state = sshd.Hosts.Get(connection.HostName);
        state.Config.RecoveryKey.Should().NotBe(collectedKey);
        _appliance.Escrowed(host.Id, state.Config.RecoveryId, state.Config.RecoveryKey)!.Source.Should().Be(KeySource.Rotated);
        jobs.Json.EnumerateArray().Select(j => j.GetProperty("kind").GetString()).Should().Equal("rotate", "collect");
        shown.Json.GetProperty("steps").GetArrayLength().Should().BeGreaterThan(3);
        foreach (var printed in new[] { collect, rotate, jobs, shown })
            printed.Output.Should().NotContain(collectedKey).And.NotContain(state.Config.RecoveryKey, "job output is redacted");
    }

    [SshdFact]
    public async Task CollectWithWait_GarbledOutput_ExitTwoWithTheJobsReasonAndNothingEscrowed()
    {
        var connection = sshd.AddHost(HostNames.Next());
        var host = _appliance.Enrol(connection);
        sshd.Hosts.AddFault(connection.HostName, Fault.Garble("esxcli --formatter=csv system settings encryption recovery list"));
        sshd.Hosts.AddFault(connection.HostName, Fault.Garble("esxcli system settings encryption recovery list"));

        var collect = await _cli.RunAsync("collect", connection.HostName, "--wait");

        collect.ExitCode.Should().Be(2, collect.ToString());
        collect.Error.Should().Contain("failed");
        collect.Json.GetProperty("state").GetString().Should().Be("failed");
        _appliance.Escrow.KeyVersions(host.Id).Should().BeEmpty();
    }

    [SshdFact]
    public async Task CollectAllWithWait_EveryHostWithSshAccessCollected()
    {
        var hosts = new[] { sshd.AddHost(HostNames.Next()), sshd.AddHost(HostNames.Next()) }.Select(c => (Connection: c, Host: _appliance.Enrol(c))).ToList();

        var collect = await _cli.RunAsync("collect", "--all", "--wait");

        collect.ExitCode.Should().Be(0, collect.ToString());
        foreach (var (connection, host) in hosts)
        {
            var state = sshd.Hosts.Get(connection.HostName);
            _appliance.Escrowed(host.Id, state.Config.RecoveryId, state.Config.RecoveryKey).Should().NotBeNull();
        }
    }
}
