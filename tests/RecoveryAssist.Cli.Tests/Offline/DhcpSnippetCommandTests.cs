namespace RecoveryAssist.Cli.Tests.Offline;

public sealed class DhcpSnippetCommandTests
{
    [Fact]
    public async Task DhcpSnippet_Dnsmasq_ProxyModeWithAddressAndLoopBreak()
    {
        var (exitCode, output, error) = await CliRunner.RunAsync(null, "dhcp-snippet", "--kind", "dnsmasq", "--address", "10.0.0.5", "--http-port", "8081");

        exitCode.Should().Be(0, error);
        output.Should().Contain("dhcp-range=10.0.0.0,proxy\n")
            .And.Contain("dhcp-userclass=set:ipxe,iPXE\n")
            .And.Contain("pxe-service=tag:!ipxe,x86PC,\"RecoveryAssist iPXE (BIOS)\",undionly,10.0.0.5\n")
            .And.Contain("pxe-service=tag:ipxe,X86-64_EFI,\"RecoveryAssist\",http://10.0.0.5:8081/boot/bootstrap.ipxe\n")
            .And.NotContain("{{");
    }

    [Fact]
    public async Task DhcpSnippet_Isc_BiosVersusUefiByOption93()
    {
        var (exitCode, output, _) = await CliRunner.RunAsync(null, "dhcp-snippet", "--kind", "isc", "--address", "192.0.2.7");

        exitCode.Should().Be(0);
        output.Should().Contain("next-server 192.0.2.7;\n")
            .And.Contain("if exists user-class and option user-class = \"iPXE\" {\n  # iPXE already runs: the bootstrap script over HTTP (breaks the chain-loading loop).\n  filename \"http://192.0.2.7:8080/boot/bootstrap.ipxe\";\n")
            .And.Contain("} elsif option client-arch = 00:07 or option client-arch = 00:09 {\n  # x86-64 UEFI\n  filename \"snponly.efi\";\n");
    }

    [Fact]
    public async Task DhcpSnippet_Kea_ClassesFilledIn()
    {
        var (exitCode, output, _) = await CliRunner.RunAsync(null, "dhcp-snippet", "--kind", "kea", "--address", "192.0.2.7");

        exitCode.Should().Be(0);
        output.Should().Contain("\"boot-file-name\": \"http://192.0.2.7:8080/boot/bootstrap.ipxe\"")
            .And.Contain("\"test\": \"not member('recoveryassist-ipxe') and option[93].hex == 0x0000\"")
            .And.NotContain("{{");
    }

    [Fact]
    public async Task DhcpSnippet_AddressNotIpv4_ExitOneWithReason()
    {
        var (exitCode, _, error) = await CliRunner.RunAsync(null, "dhcp-snippet", "--kind", "isc", "--address", "appliance.lab");

        exitCode.Should().Be(1);
        error.Should().Be("error: --address: expected the appliance's IPv4 address, e.g. 10.0.0.5\n");
    }
}
