using RecoveryAssist.EndToEnd.Tests.Infrastructure;

namespace RecoveryAssist.EndToEnd.Tests.Simulator;

[Collection(SshdCollection.Name)]
public sealed class SmokeTests(SshdFixture sshd)
{
    [SshdFact]
    public void Run_VmwareVersion_AnswersOverRealSshd()
    {
        var host = sshd.AddHost(HostNames.Next());

        var outcome = host.Run("vmware -vl");

        outcome.ExitStatus.Should().Be(0);
        outcome.Stdout.Should().Be("VMware ESXi 8.0.2 build-22380479\nVMware ESXi 8.0 Update 2\n");
    }
}
