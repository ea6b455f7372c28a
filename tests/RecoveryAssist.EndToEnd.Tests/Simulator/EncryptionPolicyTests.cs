using RecoveryAssist.EndToEnd.Tests.Infrastructure;
using RecoveryAssist.EsxiSimulator.State;

namespace RecoveryAssist.EndToEnd.Tests.Simulator;

[Collection(SshdCollection.Name)]
public sealed class EncryptionPolicyTests(SshdFixture sshd)
{
    private const string Refusal =
        "Unable to change the encryption mode and policy. Verify that the current host configuration can satisfy the new requirement.\n";

    private const string Set = "esxcli system settings encryption set";

    [SshdFact]
    public void Get_Text_PrintsIndentedFields()
    {
        var host = sshd.AddHost(HostNames.Next());

        var outcome = host.Run("esxcli system settings encryption get");

        outcome.ExitStatus.Should().Be(0);
        outcome.Stdout.Should().Be(
            "   Mode: TPM\n"
            + "   Require Executables Only From Installed VIBs: false\n"
            + "   Require Secure Boot: false\n");
    }

    [SshdTheory]
    [InlineData("csv", "Mode,RequireExecutablesOnlyFromInstalledVIBs,RequireSecureBoot,\nNONE,false,false,\n")]
    [InlineData("keyvalue", "EncryptionSettings.Mode.string=NONE\nEncryptionSettings.RequireExecutablesOnlyFromInstalledVIBs.boolean=false\nEncryptionSettings.RequireSecureBoot.boolean=false\n")]
    [InlineData("xml", "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<output xmlns=\"http://www.vmware.com/Products/ESX/5.0/esxcli\">\n<root>\n   <structure typeName=\"EncryptionSettings\">\n      <field name=\"Mode\"><string>NONE</string></field>\n      <field name=\"RequireExecutablesOnlyFromInstalledVIBs\"><boolean>false</boolean></field>\n      <field name=\"RequireSecureBoot\"><boolean>false</boolean></field>\n   </structure>\n</root>\n</output>\n")]
    public void Get_MachineFormatter_PrintsFieldsByName(string formatter, string expected)
    {
        var host = sshd.AddHost(HostNames.Next(), configure: s => s.Config.Mode = EncryptionMode.None);

        var outcome = host.Run($"esxcli --formatter={formatter} system settings encryption get");

        outcome.Stdout.Should().Be(expected);
    }

    [SshdFact]
    public void SetRequireSecureBoot_FirmwareSecureBootOff_RefusedWithEsxiText()
    {
        var host = sshd.AddHost(HostNames.Next());

        var outcome = host.Run($"{Set} --require-secure-boot=T");

        outcome.ExitStatus.Should().Be(1);
        outcome.Stdout.Should().Be(Refusal);
        sshd.Hosts.Get(host.HostName).Config.RequireSecureBoot.Should().BeFalse();
    }

    [SshdFact]
    public void SetRequireSecureBoot_FirmwareSecureBootOn_EnablesAndMarksConfigurationChanged()
    {
        var host = sshd.AddHost(HostNames.Next(), configure: s => s.Hardware.FirmwareSecureBoot = true);
        using var client = host.Connect();

        var outcome = SimulatedHostConnection.Run(client, $"{Set} --require-secure-boot=T");

        outcome.Should().Be(new CommandOutcome("", "", 0, null));
        SimulatedHostConnection.Run(client, "esxcli system settings encryption get").Stdout.Should().Contain("   Require Secure Boot: true\n");
        SimulatedHostConnection.Run(client, "/usr/lib/vmware/secureboot/bin/secureBoot.py -s").Stdout.Should().Be("Enabled\n");
        sshd.Hosts.Get(host.HostName).IsConfigDirty.Should().BeTrue();
    }

    [SshdFact]
    public void SetRequireSecureBoot_ModeNone_Refused()
    {
        var host = sshd.AddHost(HostNames.Next(), configure: s =>
        {
            s.Config.Mode = EncryptionMode.None;
            s.Hardware.FirmwareSecureBoot = true;
        });

        host.Run($"{Set} -s T").Stdout.Should().Be(Refusal);
    }

    [SshdFact]
    public void SetRequireExecInstalledOnly_WithoutRequireSecureBoot_Refused()
    {
        var host = sshd.AddHost(HostNames.Next(), configure: s =>
        {
            s.Hardware.FirmwareSecureBoot = true;
            s.Config.ExecInstalledOnlyConfigured = true;
        });

        var outcome = host.Run($"{Set} --require-exec-installed-only=T");

        outcome.ExitStatus.Should().Be(1);
        outcome.Stdout.Should().Be(Refusal);
    }

    [SshdFact]
    public void SetRequireExecInstalledOnly_KernelSettingNotYetAtRuntime_RefusedUntilReboot()
    {
        var host = sshd.AddHost(HostNames.Next(), configure: s => s.Hardware.FirmwareSecureBoot = true);
        var client = host.Connect();
        CommandOutcome Run(string command) => SimulatedHostConnection.Run(client, command);
        const string kernelList = "esxcli system settings kernel list -o execInstalledOnly";
        var bootTime = sshd.Hosts.Get(host.HostName).BootTime;
        try
        {
            Run($"{Set} --require-secure-boot=T").ExitStatus.Should().Be(0);
            Run("esxcli system settings kernel set -s execInstalledOnly -v TRUE").Should().Be(new CommandOutcome("", "", 0, null));
            Run(kernelList).Stdout.Split('\n')[2].Should().StartWith("execInstalledOnly  Bool  TRUE        FALSE    FALSE");
            sshd.Hosts.Get(host.HostName).RebootPending.Should().BeTrue();

            Run($"{Set} --require-exec-installed-only=T").Stdout.Should().Be(Refusal, "the setting takes effect only at the next boot");

            Run("reboot").ExitStatus.Should().Be(0);
        }
        finally
        {
            client.Dispose();
        }

        // A real host drops the session at reboot: reconnect, as the appliance would.
        using var again = host.Connect();
        var state = sshd.Hosts.Get(host.HostName);
        state.BootTime.Should().BeAfter(bootTime);
        state.RebootPending.Should().BeFalse();
        SimulatedHostConnection.Run(again, kernelList).Stdout.Split('\n')[2].Should().StartWith("execInstalledOnly  Bool  TRUE        TRUE     FALSE");
        SimulatedHostConnection.Run(again, $"{Set} --require-exec-installed-only=T").ExitStatus.Should().Be(0);
        SimulatedHostConnection.Run(again, "esxcli system settings encryption get").Stdout.Should().Be(
            "   Mode: TPM\n   Require Executables Only From Installed VIBs: true\n   Require Secure Boot: true\n");
    }

    [SshdFact]
    public void SetModeNone_WhenModeTpm_RefusedBecauseIrreversible()
    {
        var host = sshd.AddHost(HostNames.Next());

        var outcome = host.Run($"{Set} --mode=NONE");

        outcome.Stdout.Should().Be(Refusal);
        sshd.Hosts.Get(host.HostName).Config.Mode.Should().Be(EncryptionMode.Tpm);
    }

    [SshdTheory]
    [InlineData("7.0.2", "NTZ")]
    [InlineData("7.0.2", "IFX")]
    [InlineData("7.0.2", "NTC")]
    [InlineData("7.0.3", "NTZ")]
    public void SetModeTpm_KnownBadTpm_Refused(string version, string vendor)
    {
        var host = sshd.AddHost(HostNames.Next(), configure: s => ModeNone(s, version, vendor));

        var outcome = host.Run($"{Set} --mode=TPM");

        outcome.ExitStatus.Should().Be(1);
        outcome.Stdout.Should().Be(Refusal);
        sshd.Hosts.Get(host.HostName).Config.Mode.Should().Be(EncryptionMode.None);
    }

    [SshdTheory]
    [InlineData("7.0.3", "IFX")]
    [InlineData("7.0.2", "STM")]
    [InlineData("8.0.2", "NTZ")]
    public void SetModeTpm_UsableTpm_SwitchesToTpm(string version, string vendor)
    {
        var host = sshd.AddHost(HostNames.Next(), configure: s => ModeNone(s, version, vendor));

        host.Run($"{Set} -m TPM").ExitStatus.Should().Be(0);

        sshd.Hosts.Get(host.HostName).Config.Mode.Should().Be(EncryptionMode.Tpm);
    }

    [SshdFact]
    public void SetModeTpm_NoTpm_Refused()
    {
        var host = sshd.AddHost(HostNames.Next(), configure: s =>
        {
            ModeNone(s, "8.0.2", "STM");
            s.Hardware.TpmPresent = false;
        });

        host.Run($"{Set} --mode=TPM").Stdout.Should().Be(Refusal);
        host.Run("esxcli hardware trustedboot get").Stdout.Should().Be("   Drtm Enabled: false\n   Tpm Present: false\n");
    }

    [SshdFact]
    public void SetRequireSecureBootFalse_WhenEnabled_Disables()
    {
        var host = sshd.AddHost(HostNames.Next(), configure: s =>
        {
            s.Hardware.FirmwareSecureBoot = true;
            s.Config.RequireSecureBoot = true;
        });

        host.Run($"{Set} --require-secure-boot=F").ExitStatus.Should().Be(0);

        sshd.Hosts.Get(host.HostName).Config.RequireSecureBoot.Should().BeFalse();
    }

    [SshdTheory]
    [InlineData("", "Error: At least one option is required.")]
    [InlineData("--require-secure-boot=maybe", "Error: Invalid data constraint for parameter 'require-secure-boot'")]
    [InlineData("--mode=AES", "Error: Invalid value for option --mode: AES")]
    [InlineData("--colour=blue", "Error: Invalid option --colour=blue")]
    public void Set_InvalidArguments_FailsWithExit1(string arguments, string expectedStart)
    {
        var host = sshd.AddHost(HostNames.Next());

        var outcome = host.Run($"{Set} {arguments}");

        outcome.ExitStatus.Should().Be(1);
        outcome.Stdout.Should().StartWith(expectedStart);
    }

    [SshdFact]
    public void KernelSet_UnknownSetting_FailsWithExit1()
    {
        var host = sshd.AddHost(HostNames.Next());

        var outcome = host.Run("esxcli system settings kernel set -s noSuchSetting -v TRUE");

        outcome.ExitStatus.Should().Be(1);
        outcome.Stdout.Should().Be("Invalid Key Name: noSuchSetting\n");
    }

    [SshdFact]
    public void KernelList_Csv_PrintsSortedColumns()
    {
        var host = sshd.AddHost(HostNames.Next());

        var outcome = host.Run("esxcli --formatter=csv system settings kernel list -o execInstalledOnly");

        outcome.Stdout.Should().Be(
            "Configured,Default,Description,Name,Runtime,Type,\n"
            + "FALSE,FALSE,Allow execution of binaries installed by VIBs only,execInstalledOnly,FALSE,Bool,\n");
    }

    [SshdFact]
    public void RecoveryList_ModeNone_ListsNoKeyUntilModeTpmCreatesOne()
    {
        var host = sshd.AddHost(HostNames.Next(), configure: s => ModeNone(s, "8.0.2", "STM"));
        const string list = "esxcli system settings encryption recovery list";

        host.Run(list).Stdout.Should().Be("Recovery ID                             Key\n--------------------------------------  ---\n");
        host.Run("esxcli --formatter=csv system settings encryption recovery list").Stdout.Should().Be("Key,RecoveryID,\n");
        var before = sshd.Hosts.Get(host.HostName).Config;
        host.Run($"esxcli system settings encryption recovery rotate -u {before.RecoveryId}").Stdout.Should().StartWith("Unable to find the recovery key");

        host.Run($"{Set} --mode=TPM").ExitStatus.Should().Be(0);

        var after = sshd.Hosts.Get(host.HostName);
        after.Config.RecoveryId.Should().NotBe(before.RecoveryId, "sealing to the TPM creates the key (GUESS, switchable)");
        after.Config.RecoveryKey.Should().NotBe(before.RecoveryKey);
        host.Run(list).Stdout.Should().Contain(after.Config.RecoveryId).And.Contain(after.Config.RecoveryKey);
        after.IsConfigDirty.Should().BeTrue("the new mode and key wait for a save");
    }

    [SshdFact]
    public void RecoveryList_ModeNoneWithKeyInModeNone_ListsAndKeepsTheKey()
    {
        var host = sshd.AddHost(HostNames.Next(), configure: s =>
        {
            ModeNone(s, "8.0.2", "STM");
            s.Behaviour.KeyInModeNone = true;
        });
        var before = sshd.Hosts.Get(host.HostName).Config;

        host.Run("esxcli system settings encryption recovery list").Stdout.Should().Contain(before.RecoveryKey);
        host.Run($"{Set} --mode=TPM").ExitStatus.Should().Be(0);

        sshd.Hosts.Get(host.HostName).Config.RecoveryKey.Should().Be(before.RecoveryKey);
    }

    [SshdFact]
    public void Reboot_ByAPerson_SavesAppliesKernelSettingAndMovesBootTime()
    {
        var host = sshd.AddHost(HostNames.Next(), configure: s => s.BootTime = DateTimeOffset.UtcNow.AddHours(-1));
        host.Run("esxcli system settings kernel set -s execInstalledOnly -v TRUE").ExitStatus.Should().Be(0);
        sshd.Hosts.Get(host.HostName).RebootPending.Should().BeTrue();

        sshd.Hosts.Reboot(host.HostName);

        var state = sshd.Hosts.Get(host.HostName);
        state.RebootPending.Should().BeFalse();
        state.ExecInstalledOnlyRuntime.Should().BeTrue();
        state.SavedConfig.ExecInstalledOnlyConfigured.Should().BeTrue("an orderly reboot saves first");
        state.BootTime.Should().BeAfter(DateTimeOffset.UtcNow.AddMinutes(-1));
    }

    [SshdFact]
    public void FirmwareSecureBootAndTpmVendor_ReportedAsTheHostSeesThem()
    {
        var host = sshd.AddHost(HostNames.Next(), configure: s => s.Hardware.TpmVendor = "IFX");

        host.Run("/usr/lib/vmware/secureboot/bin/secureBoot.py -s").Stdout.Should().Be("Disabled\n");
        host.Run("esxcli hardware trustedboot get").Stdout.Should().Be("   Drtm Enabled: false\n   Tpm Present: true\n   Tpm Vendor: IFX\n");
        sshd.Hosts.SetFirmwareSecureBoot(host.HostName, true);
        host.Run("/usr/lib/vmware/secureboot/bin/secureBoot.py -s").Stdout.Should().Be("Enabled\n");
    }

    [SshdFact]
    public void Boot_ExecEnforcedButKernelSettingTurnedOff_StopsWithSecurityViolation()
    {
        var host = sshd.AddHost(HostNames.Next(), configure: s =>
        {
            s.Hardware.FirmwareSecureBoot = true;
            s.Config.RequireSecureBoot = true;
            s.Config.ExecInstalledOnlyConfigured = true;
            s.Config.RequireExecInstalledOnly = true;
        });
        host.Run("esxcli system settings kernel set -s execInstalledOnly -v FALSE").ExitStatus.Should().Be(0);

        sshd.Hosts.Reboot(host.HostName);

        var state = sshd.Hosts.Get(host.HostName);
        state.Power.Should().Be(PowerState.WaitingForRecovery);
        state.BootFailure.Should().Be("Unable to restore system configuration. A security violation was detected.");
    }

    private static void ModeNone(HostState state, string version, string vendor)
    {
        state.Config.Mode = EncryptionMode.None;
        state.Software.Version = version;
        state.Hardware.TpmVendor = vendor;
    }

}
