using Renci.SshNet;
using Renci.SshNet.Common;

namespace RecoveryAssist.EndToEnd.Tests.Infrastructure;

/// <summary>A password-host test: needs root to create the throw-away account; skipped otherwise (and without sshd).</summary>
public sealed class PasswordSshdFactAttribute : FactAttribute
{
    public PasswordSshdFactAttribute()
    {
        if (SshdRequirement.SkipReason is { } reason)
            Skip = reason;
        else if (!SshdFixture.PasswordAuthenticationSupported)
            Skip = "password authentication test skipped: it needs root to create a throw-away account (useradd, chpasswd).";
    }
}

[Collection(SshdCollection.Name)]
public sealed class SshdFixtureTests(SshdFixture sshd)
{
    [SshdFact]
    public void Config_Written_ListensOnLoopbackOnly()
    {
        var config = File.ReadAllText(Path.Combine(sshd.Directory, "sshd_config"));

        config.Should().Contain("ListenAddress 127.0.0.1\n").And.Contain("AddressFamily inet\n");
    }

    [SshdFact]
    public void AddHost_TwoHosts_EachKeyReachesItsOwnHost()
    {
        var first = sshd.AddHost(HostNames.Next());
        var second = sshd.AddHost(HostNames.Next());

        var firstList = first.Run("esxcli --formatter=csv system settings encryption recovery list").Stdout;
        var secondList = second.Run("esxcli --formatter=csv system settings encryption recovery list").Stdout;

        firstList.Should().Contain(sshd.Hosts.Get(first.HostName).Config.RecoveryId);
        secondList.Should().Contain(sshd.Hosts.Get(second.HostName).Config.RecoveryId);
        firstList.Should().NotBe(secondList);
    }

    [SshdFact]
    public void ChangeHostKey_ClientPinnedToOldKey_IsRefused()
    {
        var host = sshd.AddHost(HostNames.Next());
        var pinned = sshd.HostKeyFingerprintSha256;
        string? seen = null;
        using (var client = new SshClient(host.ToConnectionInfo()))
        {
            client.HostKeyReceived += (_, e) => e.CanTrust = (seen = e.FingerPrintSHA256) == pinned;
            client.Connect();
        }
        seen.Should().Be(pinned, "the fixture reports the fingerprint clients see");

        sshd.ChangeHostKey();

        sshd.HostKeyFingerprintSha256.Should().NotBe(pinned);
        using var pinnedClient = new SshClient(host.ToConnectionInfo());
        pinnedClient.HostKeyReceived += (_, e) => e.CanTrust = e.FingerPrintSHA256 == pinned;
        pinnedClient.Invoking(c => c.Connect()).Should().Throw<SshConnectionException>();
        host.Run("vmware -v").ExitStatus.Should().Be(0, "a client that trusts the new key still gets in, on the same port");
    }

    [SshdFact]
    public void Stop_ThenStart_RefusesConnectionsThenAnswersOnSamePort()
    {
        var host = sshd.AddHost(HostNames.Next());
        var port = sshd.Port;

        sshd.Stop();
        try
        {
            host.Invoking(h => h.Run("vmware -v")).Should().Throw<System.Net.Sockets.SocketException>();
        }
        finally
        {
            sshd.Start();
        }

        sshd.Port.Should().Be(port);
        host.Run("vmware -v").ExitStatus.Should().Be(0);
    }

    [PasswordSshdFact]
    public void AddPasswordHost_RightPassword_RunsOnThatHost()
    {
        var host = sshd.AddPasswordHost(HostNames.Next("pw"));
        var id = sshd.Hosts.Get(host.HostName).Config.RecoveryId;

        var rotate = host.Run($"esxcli system settings encryption recovery rotate -u {id}");
        var list = host.Run("esxcli --formatter=csv system settings encryption recovery list");

        host.PrivateKeyPem.Should().BeNull();
        rotate.ExitStatus.Should().Be(0);
        list.Stdout.Should().Contain(sshd.Hosts.Get(host.HostName).Config.RecoveryKey);
    }

    [PasswordSshdFact]
    public void AddPasswordHost_WrongPassword_IsRefused()
    {
        var host = sshd.AddPasswordHost(HostNames.Next("pw"));
        var info = new ConnectionInfo(host.Address, host.Port, host.UserName, new PasswordAuthenticationMethod(host.UserName, "wrong-password"));
        using var client = new SshClient(info);

        client.Invoking(c => c.Connect()).Should().Throw<SshAuthenticationException>();
    }
}
