using RecoveryAssist.Server.Features.Boot;

namespace RecoveryAssist.EndToEnd.Tests.Pxe;

/// <summary>
/// A real iPXE client (QEMU's virtio option ROM, Debian ipxe-qemu) boots against the appliance over
/// TFTP and HTTP, on BIOS (SeaBIOS) and UEFI (OVMF). One boot takes about 10 s under TCG, so each
/// test boots at most twice.
/// </summary>
[Collection(PxeCollection.Name)]
public sealed class PxeBootTests(PxeAppliance appliance)
{
    private const string LocalBootUnknown = "unknown-machine-checked-in, booting from local disk";
    private const string LocalBootKnown = "no-armed-recovery-for-this-host, booting from local disk";

    [QemuFact]
    public async Task Bios_UnknownMachine_ChecksInAndBootsLocally()
    {
        await using var machine = QemuMachine.Start(efi: false, appliance.BootFile, "52:54:00:06:00:01", "6a1e0b9c-0001-4c4c-8a8a-000000000001", "BIOS-UNKNOWN-1");

        await machine.WaitForAsync(LocalBootUnknown);

        var checkIn = appliance.CheckIns().Should().ContainSingle(c => c.Id == "52:54:00:06:00:01").Subject;
        checkIn.SmbiosUuid.Should().Be("6a1e0b9c-0001-4c4c-8a8a-000000000001");
        checkIn.Serial.Should().Be("BIOS-UNKNOWN-1");
        checkIn.Platform.Should().Be("pcbios");
        checkIn.ClientAddress.Should().Be("127.0.0.1");
        machine.Serial.Should().NotContain("encryptionRecoveryKey");
    }

    [QemuFact]
    public async Task Efi_UnknownMachine_ChecksInAndBootsLocally()
    {
        await using var machine = QemuMachine.Start(efi: true, appliance.BootFile, "52:54:00:06:00:02", "6a1e0b9c-0002-4c4c-8a8a-000000000002", "EFI-UNKNOWN-2");

        await machine.WaitForAsync(LocalBootUnknown);

        var checkIn = appliance.CheckIns().Should().ContainSingle(c => c.Id == "52:54:00:06:00:02").Subject;
        checkIn.Platform.Should().Be("efi");
        checkIn.Arch.Should().Be("x86_64");
        checkIn.Serial.Should().Be("EFI-UNKNOWN-2");
    }

    [QemuFact]
    public async Task Bios_KnownHostNotArmed_NeverSeesKey()
    {
        var (_, key) = appliance.Host("quiet.lab", "52:54:00:06:00:03", "6a1e0b9c-0003-4c4c-8a8a-000000000003", "BIOS-KNOWN-3");
        await using var machine = QemuMachine.Start(efi: false, appliance.BootFile, "52:54:00:06:00:03", "6a1e0b9c-0003-4c4c-8a8a-000000000003", "BIOS-KNOWN-3");

        await machine.WaitForAsync(LocalBootKnown);

        machine.Serial.Should().NotContain(key.Reveal()).And.NotContain("/boot/cfg/");
        appliance.CheckIns().Should().NotContain(c => c.Id == "52:54:00:06:00:03");
    }

    [QemuFact]
    public async Task Bios_ArmedSession_KeyOnKernelLineOnceThenLocalBoot()
    {
        var (_, key) = appliance.Host("armed-bios.lab", "52:54:00:06:00:04", "6a1e0b9c-0004-4c4c-8a8a-000000000004", "BIOS-ARMED-4");
        var session = appliance.Arm("armed-bios.lab");

        await using (var first = QemuMachine.Start(efi: false, appliance.BootFile, "52:54:00:06:00:04", "6a1e0b9c-0004-4c4c-8a8a-000000000004", "BIOS-ARMED-4"))
        {
            await first.WaitForAsync("RecoveryAssist recovery of host armed-bios.lab");
            await first.TypeAsync("n");
            var cmdline = await first.WaitForAsync(@"RA-CMDLINE: ([^\r\n]*)\r?\n");
            var kernelopt = await first.WaitForAsync(@"RA-KERNELOPT: ([^\r\n]*)\r?\n");

            cmdline.Groups[1].Value.Should().MatchRegex(@"-c http://10\.0\.2\.2:\d+/boot/cfg/[A-Za-z0-9_-]{43}/boot\.cfg");
            kernelopt.Groups[1].Value.Should().Be($"autoPartition=FALSE encryptionRecoveryKey={key.Reveal()}");
        }

        await using var second = QemuMachine.Start(efi: false, appliance.BootFile, "52:54:00:06:00:04", "6a1e0b9c-0004-4c4c-8a8a-000000000004", "BIOS-ARMED-4");
        await second.WaitForAsync(LocalBootKnown);
        second.Serial.Should().NotContain(key.Reveal()).And.NotContain("RecoveryAssist recovery of host");
        appliance.Audit(session).Select(a => a.Action).Should().ContainInOrder("boot.armed", "boot.menu-served", "boot.cfg-served", "session.revealed");
    }

    [QemuFact]
    public async Task Efi_ArmedSession_KeyOnKernelLineAndReplayRefused()
    {
        var (_, key) = appliance.Host("armed-efi.lab", "52:54:00:06:00:05", "6a1e0b9c-0005-4c4c-8a8a-000000000005", "EFI-ARMED-5");
        var session = appliance.Arm("armed-efi.lab");
        await using var machine = QemuMachine.Start(efi: true, appliance.BootFile, "52:54:00:06:00:05", "6a1e0b9c-0005-4c4c-8a8a-000000000005", "EFI-ARMED-5");

        await machine.WaitForAsync("RecoveryAssist recovery of host armed-efi.lab");
        await machine.TypeAsync("n");
        var cmdline = await machine.WaitForAsync(@"RA-CMDLINE: ([^\r\n]*)\r?\n");
        var kernelopt = await machine.WaitForAsync(@"RA-KERNELOPT: ([^\r\n]*)\r?\n");

        cmdline.Groups[1].Value.Should().Contain("initrd=initrd.gz -c http://10.0.2.2:");
        kernelopt.Groups[1].Value.Should().Be($"autoPartition=FALSE encryptionRecoveryKey={key.Reveal()}");
        var url = System.Text.RegularExpressions.Regex.Match(cmdline.Groups[1].Value, @"http://\S+/boot/cfg/\S+").Value.Replace("10.0.2.2", "127.0.0.1", StringComparison.Ordinal);
        using var http = new HttpClient();
        using var replay = await http.GetAsync(url);
        replay.StatusCode.Should().Be(System.Net.HttpStatusCode.Gone);
        appliance.Audit(session).Should().Contain(a => a.Action == "boot.cfg-replayed" && a.Detail!.StartsWith("ALERT:", StringComparison.Ordinal));
    }
}
