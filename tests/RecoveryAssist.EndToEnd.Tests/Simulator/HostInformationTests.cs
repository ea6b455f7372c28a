using RecoveryAssist.EndToEnd.Tests.Infrastructure;
using RecoveryAssist.EsxiSimulator.State;

namespace RecoveryAssist.EndToEnd.Tests.Simulator;

[Collection(SshdCollection.Name)]
public sealed class HostInformationTests(SshdFixture sshd)
{
    [SshdFact]
    public void PlatformGet_DellIdentity_PrintsUuidBytesInCanonicalOrder()
    {
        var host = sshd.AddHost(HostNames.Next(), configure: s =>
        {
            s.Hardware.SmbiosUuid = Guid.Parse("4c4c4544-0042-4610-8053-b3c04f345433");
            s.Hardware.Vendor = "Dell Inc.";
            s.Hardware.Product = "PowerEdge R750xs";
            s.Hardware.SerialNumber = "3BFS4T3";
        });

        var outcome = host.Run("esxcli hardware platform get");

        outcome.ExitStatus.Should().Be(0);
        outcome.Stdout.Should().Be(
            "Platform Information\n"
            + "   UUID: 0x4c 0x4c 0x45 0x44 0x0 0x42 0x46 0x10 0x80 0x53 0xb3 0xc0 0x4f 0x34 0x54 0x33\n"
            + "   Product Name: PowerEdge R750xs\n"
            + "   Vendor Name: Dell Inc.\n"
            + "   Serial Number: 3BFS4T3\n"
            + "   Enclosure Serial Number: 3BFS4T3\n"
            + "   BIOS Asset Tag:\n"
            + "   IPMI Supported: true\n");
    }

    [SshdFact]
    public void NicList_LinkUpAndDown_PrintsEsxcliTableWithRightAlignedNumbers()
    {
        var host = sshd.AddHost(HostNames.Next(), configure: s => s.Hardware.Nics =
        [
            new SimulatedNic { Name = "vmnic0", PciDevice = "0000:02:00.0", MacAddress = "20:67:7c:d9:a1:6c" },
            new SimulatedNic { Name = "vmnic1", PciDevice = "0000:02:00.1", MacAddress = "20:67:7c:d9:a1:6d", LinkUp = false },
        ]);

        var outcome = host.Run("esxcli network nic list");

        outcome.Stdout.Should().Be(
            "Name    PCI Device    Driver  Admin Status  Link Status  Speed  Duplex  MAC Address         MTU  Description\n"
            + "------  ------------  ------  ------------  -----------  -----  ------  -----------------  ----  -------------------------------------------------------\n"
            + "vmnic0  0000:02:00.0  ntg3    Up            Up            1000  Full    20:67:7c:d9:a1:6c  1500  Broadcom Corporation NetXtreme BCM5720 Gigabit Ethernet\n"
            + "vmnic1  0000:02:00.1  ntg3    Up            Down             0  Half    20:67:7c:d9:a1:6d  1500  Broadcom Corporation NetXtreme BCM5720 Gigabit Ethernet\n");
    }

    [SshdTheory]
    [InlineData("8.0.2", "22380479", "vmware -vl", "VMware ESXi 8.0.2 build-22380479\nVMware ESXi 8.0 Update 2\n")]
    [InlineData("7.0.3", "24784741", "vmware -v", "VMware ESXi 7.0.3 build-24784741\n")]
    [InlineData("7.0.2", "17867351", "vmware -l", "VMware ESXi 7.0 Update 2\n")]
    [InlineData("8.0.0", "20513097", "vmware -v -l", "VMware ESXi 8.0.0 build-20513097\nVMware ESXi 8.0 GA\n")]
    public void Vmware_VersionFlags_PrintVersionAndLevel(string version, string build, string command, string expected)
    {
        var host = sshd.AddHost(HostNames.Next(), configure: s =>
        {
            s.Software.Version = version;
            s.Software.Build = build;
        });

        host.Run(command).Stdout.Should().Be(expected);
    }

    [SshdFact]
    public void Cat_BootCfg_PrintsInstalledBootConfiguration()
    {
        var host = sshd.AddHost(HostNames.Next(), configure: s => s.Software.Kernelopt = "autoPartition=FALSE runweasel");

        var outcome = host.Run("cat /bootbank/boot.cfg");

        outcome.ExitStatus.Should().Be(0);
        outcome.Stdout.Should().Be(
            "bootstate=0\ntitle=Loading VMware ESXi\ntimeout=5\nprefix=\nkernel=b.b00\nkernelopt=autoPartition=FALSE runweasel\n"
            + "modules=jumpstrt.gz --- useropts.gz --- features.gz --- k.b00 --- uc_intel.b00 --- uc_amd.b00 --- uc_hygon.b00 --- procfs.b00 --- vmx.v00 --- vim.v00 --- tpm.v00 --- sb.v00 --- s.v00 --- atlantic.v00 --- state.tgz\n"
            + "build=8.0.2-0.0.22380479\nupdated=3\n");
    }

    [SshdFact]
    public void Cat_OtherFile_FailsLikeBusybox()
    {
        var host = sshd.AddHost(HostNames.Next());

        var outcome = host.Run("cat /etc/shadow");

        outcome.ExitStatus.Should().Be(1);
        outcome.Stderr.Should().Be("cat: can't open '/etc/shadow': No such file or directory\n");
    }

    [SshdTheory]
    [InlineData("df -h /")]
    [InlineData("vim-cmd hostsvc/hostsummary")]
    public void Run_UnknownCommand_Exits127WithShellMessage(string command)
    {
        var host = sshd.AddHost(HostNames.Next());

        var outcome = host.Run(command);

        outcome.ExitStatus.Should().Be(127);
        outcome.Stderr.Should().Be($"sh: {command.Split(' ')[0]}: not found\n");
    }

    [SshdFact]
    public void Esxcli_UnknownNamespace_Exits1()
    {
        var host = sshd.AddHost(HostNames.Next());

        var outcome = host.Run("esxcli system settings encryption recovery delete");

        outcome.ExitStatus.Should().Be(1);
        outcome.Stdout.Should().Be("Error: Unknown command or namespace system settings encryption recovery delete\n");
    }

    [SshdFact]
    public void Run_ShellSyntax_IsRefusedNotRun()
    {
        var host = sshd.AddHost(HostNames.Next());

        var outcome = host.Run("esxcli system settings encryption get; reboot");

        outcome.ExitStatus.Should().Be(2);
        sshd.Hosts.Get(host.HostName).CommandLog.Should().BeEmpty();
    }

    [SshdTheory]
    [InlineData(true, "Enabled\n")]
    [InlineData(false, "Disabled\n")]
    public void SecureBootStatus_FirmwareSetting_IsReported(bool enabled, string expected)
    {
        var host = sshd.AddHost(HostNames.Next(), configure: s => s.Hardware.FirmwareSecureBoot = enabled);

        host.Run("/usr/lib/vmware/secureboot/bin/secureBoot.py -s").Stdout.Should().Be(expected);
    }

    [SshdFact]
    public void TrustedBootGet_TpmPresent_ReportsTpmAndSimulatorOnlyVendor()
    {
        var host = sshd.AddHost(HostNames.Next(), configure: s => s.Hardware.TpmVendor = "IFX");

        host.Run("esxcli hardware trustedboot get").Stdout.Should().Be("   Drtm Enabled: false\n   Tpm Present: true\n   Tpm Vendor: IFX\n");
    }

    [SshdFact]
    public void UptimeGet_BootedAnHourAgo_CountsMicrosecondsSinceBoot()
    {
        var host = sshd.AddHost(HostNames.Next(), configure: s => s.BootTime = DateTimeOffset.UtcNow.AddHours(-1));

        var micros = long.Parse(host.Run("esxcli system stats uptime get").Stdout.Trim(), System.Globalization.CultureInfo.InvariantCulture);

        micros.Should().BeInRange(3_600_000_000, 3_700_000_000);
    }
}
