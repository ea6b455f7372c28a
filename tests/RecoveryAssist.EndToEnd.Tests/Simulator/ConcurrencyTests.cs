using RecoveryAssist.Core.Keys;
using RecoveryAssist.EndToEnd.Tests.Infrastructure;

namespace RecoveryAssist.EndToEnd.Tests.Simulator;

[Collection(SshdCollection.Name)]
public sealed class ConcurrencyTests(SshdFixture sshd)
{
    [SshdFact]
    public async Task Run_FiftyHostsConcurrentlyOnOneSshd_EachAnswersWithItsOwnKey()
    {
        var names = Enumerable.Range(0, 50).Select(_ => HostNames.Next("fleet")).ToList();
        var hosts = sshd.AddHosts(names);

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var results = await Task.WhenAll(hosts.Select(async host =>
        {
            using var client = await host.ConnectAsync(timeout.Token);
            var id = sshd.Hosts.Get(host.HostName).Config.RecoveryId;
            var rotate = await SimulatedHostConnection.RunAsync(client, $"esxcli system settings encryption recovery rotate -u {id}", timeout.Token);
            var list = await SimulatedHostConnection.RunAsync(client, "esxcli --formatter=csv system settings encryption recovery list", timeout.Token);
            return (host.HostName, rotate.ExitStatus, List: list.Stdout);
        }));

        foreach (var (name, rotateExit, list) in results)
        {
            rotateExit.Should().Be(0, $"rotate on {name}");
            var config = sshd.Hosts.Get(name).Config;
            list.Should().Be($"Key,RecoveryID,\n{config.RecoveryKey},{config.RecoveryId},\n", $"host {name} lists its own key");
            RecoveryKey.Parse(config.RecoveryKey).PassesGroupCheck.Should().BeTrue();
        }
        results.Select(r => r.List).Should().OnlyHaveUniqueItems();
    }

    [SshdFact]
    public async Task Run_ConcurrentSessionsOnOneHost_LoseNoUpdate()
    {
        var host = sshd.AddHost(HostNames.Next());
        const int sessions = 12;

        using var client = await host.ConnectAsync();

        // Sessions multiplexed on one connection: each is its own simulator process on the same state file.
        var exits = await Task.WhenAll(Enumerable.Range(0, sessions).Select(async i =>
            (await SimulatedHostConnection.RunAsync(client, $"esxcli system settings kernel set -s execInstalledOnly -v {(i % 2 == 0 ? "TRUE" : "FALSE")}")).ExitStatus));

        exits.Should().AllBeEquivalentTo(0);
        sshd.Hosts.Get(host.HostName).CommandLog.Should().HaveCount(sessions, "every session's change was recorded under the host's lock");
    }
}
