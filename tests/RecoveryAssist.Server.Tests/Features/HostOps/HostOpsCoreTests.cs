using RecoveryAssist.Core.Keys;
using RecoveryAssist.Server.Features.HostOps;

namespace RecoveryAssist.Server.Tests.Features.HostOps;

public sealed class HostOpsCoreTests
{
    [Theory]
    [InlineData("478269-039194-473926-430939-686855-231401-642208-184477-602511-225586-551660-586542-338394-092578-687140-267425,{2DDD},", "[redacted],{2DDD},")]
    [InlineData("478269-039194-4739 ^&* [garbled]", "[redacted] ^&* [garbled]")]
    [InlineData("kernelopt=autoPartition=FALSE encryptionRecoveryKey=1-2-3", "kernelopt=autoPartition=FALSE encryptionRecoveryKey=[redacted]")]
    [InlineData("Recovery ID {2DDD5424-7F3F-406A-8DA8-D62630F6C8BC}; version 3", "Recovery ID {2DDD5424-7F3F-406A-8DA8-D62630F6C8BC}; version 3")]
    [InlineData("Recovery ID {F9E74481-81D9-432E-8A2A-466EFD7EB510}", "Recovery ID {F9E74481-81D9-432E-8A2A-466EFD7EB510}")]
    [InlineData("Recovery ID {12345678-1234-5678-9012-345678901234}", "Recovery ID {12345678-1234-5678-9012-345678901234}")]
    [InlineData("vmnic0 b0:7b:25:e7:83:fd; build 22380479", "vmnic0 b0:7b:25:e7:83:fd; build 22380479")]
    [InlineData("key:478269-039194\n473926", "key:[redacted]")]
    public void Redact_Text_KeysRemovedIdentifiersKept(string text, string expected)
    {
        Redaction.Redact(text).Should().Be(expected);
    }

    [Fact]
    public void Redact_RandomRecoveryIds_NeverTouched()
    {
        // Recovery IDs are random GUIDs; a digit run inside one once looked like key groups to the redactor.
        var random = new Random(20261129);
        var buffer = new byte[16];
        for (var i = 0; i < 20_000; i++)
        {
            random.NextBytes(buffer);
            var text = $"1 key(s), Recovery ID {RecoveryId.Parse(new Guid(buffer).ToString())}; escrow escrowed";
            Redaction.Redact(text).Should().Be(text);
        }
    }

    [Fact]
    public void Catalogue_FixedCommands_ExactText()
    {
        HostCommand.RecoveryListCsv.Text.Should().Be("esxcli --formatter=csv system settings encryption recovery list");
        HostCommand.RecoveryListTable.Text.Should().Be("esxcli system settings encryption recovery list");
        HostCommand.EncryptionGet.Text.Should().Be("esxcli system settings encryption get");
        HostCommand.BootConfig.Text.Should().Be("cat /bootbank/boot.cfg");
        HostCommand.PlatformGet.Text.Should().Be("esxcli hardware platform get");
        HostCommand.NicList.Text.Should().Be("esxcli network nic list");
        HostCommand.Version.Text.Should().Be("vmware -vl");
        HostCommand.AutoBackup.Text.Should().Be("/sbin/auto-backup.sh");
    }

    private static readonly HostCommand[] PolicyCommands =
    [
        HostCommand.KernelExecInstalledOnly, HostCommand.SecureBootStatus, HostCommand.TrustedBootGet, HostCommand.BackupNow, HostCommand.SetModeTpm,
        HostCommand.SetExecInstalledOnlyOption, HostCommand.SetRequireSecureBoot(true), HostCommand.SetRequireSecureBoot(false),
        HostCommand.SetRequireExecInstalledOnly(true), HostCommand.SetRequireExecInstalledOnly(false),
    ];

    [Theory]
    [InlineData(0, "esxcli system settings kernel list -o execInstalledOnly", false)]
    [InlineData(1, "/usr/lib/vmware/secureboot/bin/secureBoot.py -s", false)]
    [InlineData(2, "esxcli hardware trustedboot get", false)]
    [InlineData(3, "/bin/backup.sh 0", true)]
    [InlineData(4, "esxcli system settings encryption set --mode=TPM", true)]
    [InlineData(5, "esxcli system settings kernel set -s execInstalledOnly -v TRUE", true)]
    [InlineData(6, "esxcli system settings encryption set --require-secure-boot=T", true)]
    [InlineData(7, "esxcli system settings encryption set --require-secure-boot=F", true)]
    [InlineData(8, "esxcli system settings encryption set --require-exec-installed-only=T", true)]
    [InlineData(9, "esxcli system settings encryption set --require-exec-installed-only=F", true)]
    public void Catalogue_PolicyCommand_ExactTextAndWhetherItChangesTheHost(int index, string text, bool mutates)
    {
        PolicyCommands[index].Text.Should().Be(text);
        PolicyCommands[index].Mutates.Should().Be(mutates);
    }

    [Fact]
    public void Rotate_RecoveryIdAndKeyId_BuiltFromValidatedValues()
    {
        var id = RecoveryId.Parse("{2DDD5424-7F3F-406A-8DA8-D62630F6C8BC}");

        HostCommand.Rotate(id).Text.Should().Be("esxcli system settings encryption recovery rotate -u {2DDD5424-7F3F-406A-8DA8-D62630F6C8BC}");
        HostCommand.Rotate(id, "kms-key.01").Text.Should().Be("esxcli system settings encryption recovery rotate -k kms-key.01 -u {2DDD5424-7F3F-406A-8DA8-D62630F6C8BC}");
        HostCommand.Rotate(id).Mutates.Should().BeTrue();
    }

    [Theory]
    [InlineData("a; reboot")]
    [InlineData("$(id)")]
    [InlineData("a b")]
    [InlineData("")]
    [InlineData("key|cat")]
    public void Rotate_KeyIdWithShellSyntax_Refused(string keyId)
    {
        var build = () => HostCommand.Rotate(RecoveryId.Parse("{2DDD5424-7F3F-406A-8DA8-D62630F6C8BC}"), keyId);

        build.Should().Throw<ArgumentException>();
    }

    [Theory]
    [InlineData("0xfa 0x8b 0x43 0x88 0xda 0x1b 0x4e 0x73 0x38 0xeb 0x7d 0x9e 0x1f 0x3b 0xb3 0x68", "fa8b4388-da1b-4e73-38eb-7d9e1f3bb368")]
    [InlineData("0x4c 0x4c 0x45 0x44 0x0 0x42 0x35 0x10 0x80 0x52 0xb4 0xc0 0x4f 0x4e 0x42 0x32", "4c4c4544-0042-3510-8052-b4c04f4e4232")]
    [InlineData("4c4c4544-0042-3510-8052-b4c04f4e4232", "4c4c4544-0042-3510-8052-b4c04f4e4232")]
    [InlineData("0xzz 0x8b", null)]
    public void UuidFromEsxcli_PrintedBytes_CanonicalInPrintedOrder(string text, string? expected)
    {
        StepExecutor.UuidFromEsxcli(text).Should().Be(expected);
    }

    [Fact]
    public void Validator_Defaults_Valid()
    {
        new HostOpsOptionsValidator().Validate(null, new HostOpsOptions()).Succeeded.Should().BeTrue();
    }

    [Fact]
    public void Validator_EveryBadValue_ReportedAtOnce()
    {
        var options = new HostOpsOptions { ConnectTimeoutSeconds = 0, MaxConcurrency = 0, MaxAttempts = 5, CriticalMaxAttempts = 2, CollectIntervalMinutes = -1 };

        var result = new HostOpsOptionsValidator().Validate(null, options);

        result.Failures.Should().HaveCount(4).And.Contain("RecoveryAssist:HostOps:CriticalMaxAttempts must be between 5 and 10000.");
    }

    [Theory]
    [InlineData("SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU")]
    [InlineData("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU")]
    [InlineData("MD5:aa:bb", null)]
    [InlineData("SHA256:short", null)]
    public void NormalizeFingerprint_Forms_AcceptedOrRefused(string text, string? expected)
    {
        HostSshAccess.NormalizeFingerprint(text).Should().Be(expected);
    }

    [Fact]
    public void Credential_ToString_Redacted()
    {
        new SshCredential(SshAuthKind.Password, "hunter2").ToString().Should().NotContain("hunter2").And.Contain("[redacted]");
        new SshAccessInput("root", 22, null, "hunter2", null).ToString().Should().NotContain("hunter2");
    }
}
