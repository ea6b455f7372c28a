using RecoveryAssist.Core.Keys;
using RecoveryAssist.EndToEnd.Tests.Infrastructure;

namespace RecoveryAssist.EndToEnd.Tests.Simulator;

[Collection(SshdCollection.Name)]
public sealed class RotateTests(SshdFixture sshd)
{
    private const string Rotate = "esxcli system settings encryption recovery rotate";

    [SshdFact]
    public void Rotate_WithoutKeyId_InstallsNewRandomValidKeyAndKeepsRecoveryId()
    {
        var host = sshd.AddHost(HostNames.Next());
        var before = sshd.Hosts.Get(host.HostName).Config;
        using var client = host.Connect();

        var outcome = SimulatedHostConnection.Run(client, $"{Rotate} -u {before.RecoveryId}");
        var listed = SimulatedHostConnection.Run(client, "esxcli --formatter=csv system settings encryption recovery list");

        outcome.Should().Be(new CommandOutcome("", "", 0, null), "rotate's output is undocumented: the simulator prints nothing");
        var after = sshd.Hosts.Get(host.HostName).Config;
        after.RecoveryId.Should().Be(before.RecoveryId);
        after.RecoveryKey.Should().NotBe(before.RecoveryKey);
        RecoveryKey.Parse(after.RecoveryKey).PassesGroupCheck.Should().BeTrue();
        listed.Stdout.Should().Be($"Key,RecoveryID,\n{after.RecoveryKey},{after.RecoveryId},\n");
    }

    [SshdFact]
    public void Rotate_WithCachedKeyId_InstallsThatKey()
    {
        var host = sshd.AddHost(HostNames.Next());
        var before = sshd.Hosts.Get(host.HostName).Config;
        var cached = before.KeyCache[1];

        var outcome = host.Run($"{Rotate} -k {cached.KeyId} -u {before.RecoveryId}");

        outcome.ExitStatus.Should().Be(0);
        sshd.Hosts.Get(host.HostName).Config.RecoveryKey.Should().Be(cached.Key);
    }

    [SshdTheory]
    [InlineData("-u {0}")]
    [InlineData("--uuid={0}")]
    [InlineData("--uuid {0}")]
    [InlineData("-u {1}")]
    public void Rotate_RecoveryIdSpellings_AreAccepted(string arguments)
    {
        var host = sshd.AddHost(HostNames.Next());
        var before = sshd.Hosts.Get(host.HostName).Config;
        var bare = before.RecoveryId.Trim('{', '}').ToLowerInvariant();

        var outcome = host.Run($"{Rotate} {string.Format(System.Globalization.CultureInfo.InvariantCulture, arguments, before.RecoveryId, bare)}");

        outcome.ExitStatus.Should().Be(0);
        sshd.Hosts.Get(host.HostName).Config.RecoveryKey.Should().NotBe(before.RecoveryKey);
    }

    [SshdFact]
    public void Rotate_OtherRecoveryId_FailsWithExit1AndKeepsKey()
    {
        var host = sshd.AddHost(HostNames.Next());
        var before = sshd.Hosts.Get(host.HostName).Config;
        var other = new RecoveryId(Guid.NewGuid());

        var outcome = host.Run($"{Rotate} -u {other}");

        outcome.ExitStatus.Should().Be(1);
        outcome.Stdout.Should().Be($"Unable to find the recovery key with UUID {other}.\n");
        sshd.Hosts.Get(host.HostName).Config.RecoveryKey.Should().Be(before.RecoveryKey);
    }

    [SshdFact]
    public void Rotate_MissingRecoveryId_FailsWithMissingParameter()
    {
        var host = sshd.AddHost(HostNames.Next());

        var outcome = host.Run(Rotate);

        outcome.ExitStatus.Should().Be(1);
        outcome.Stdout.Should().StartWith("Error: Missing required parameter -u|--uuid\n");
    }

    [SshdFact]
    public void Rotate_UnknownKeyId_FailsAndKeepsKey()
    {
        var host = sshd.AddHost(HostNames.Next());
        var before = sshd.Hosts.Get(host.HostName).Config;

        var outcome = host.Run($"{Rotate} -k no-such-key -u {before.RecoveryId}");

        outcome.ExitStatus.Should().Be(1);
        outcome.Stdout.Should().Be("Unable to find the key with ID no-such-key in the key cache.\n");
        sshd.Hosts.Get(host.HostName).Config.RecoveryKey.Should().Be(before.RecoveryKey);
    }

    [SshdFact]
    public void Rotate_HostThatChangesRecoveryId_ListsNewIdAndKey()
    {
        var host = sshd.AddHost(HostNames.Next(), configure: s => s.Behaviour.RotateChangesRecoveryId = true);
        var before = sshd.Hosts.Get(host.HostName).Config;

        host.Run($"{Rotate} -u {before.RecoveryId}").ExitStatus.Should().Be(0);
        var after = sshd.Hosts.Get(host.HostName).Config;

        after.RecoveryId.Should().NotBe(before.RecoveryId);
        host.Run("esxcli --formatter=csv system settings encryption recovery list").Stdout
            .Should().Be($"Key,RecoveryID,\n{after.RecoveryKey},{after.RecoveryId},\n");
        host.Run($"{Rotate} -u {before.RecoveryId}").ExitStatus.Should().Be(1, "the old Recovery ID is gone");
    }
}
