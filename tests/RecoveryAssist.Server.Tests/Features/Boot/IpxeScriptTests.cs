using RecoveryAssist.Server.Features.Boot;

namespace RecoveryAssist.Server.Tests.Features.Boot;

public sealed class IpxeScriptTests
{
    private static readonly Guid Session = Guid.Parse("6f1c2a44-0c1e-4a57-9d3a-2f0b7c9e1d20");
    private const string Token = "q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c";

    private readonly BootScripts _scripts = new(new IpxeTemplates());

    private static MenuModel Menu(BootPlatform platform = BootPlatform.Efi, string host = "esx01.lab", string image = "esxi-8.0u2",
        string loader = "http://10.0.0.5:8080/boot/images/esxi-8.0u2/efi/boot/bootx64.efi", string? initrd = null,
        string bootCfg = "http://10.0.0.5:8080/boot/cfg/" + Token + "/boot.cfg", string console = "http://10.0.0.5:8080/console/sessions/6f1c2a44-0c1e-4a57-9d3a-2f0b7c9e1d20",
        int timeout = 30) =>
        new(platform, host, Session, image, loader, initrd, bootCfg, console, timeout);

    [Fact]
    public void Bootstrap_BaseUrl_ChainsWithEveryIdentitySetting()
    {
        _scripts.Bootstrap("http://10.0.0.5:8080").Should().Be("""
            #!ipxe
            # RecoveryAssist bootstrap: names this machine to the appliance, which answers with its script.
            # Served over TFTP (bootstrap.ipxe) and HTTP (/boot/bootstrap.ipxe). Values come from iPXE itself.
            echo RecoveryAssist: identifying ${mac} (${platform} ${buildarch})
            chain http://10.0.0.5:8080/boot/script.ipxe?mac=${mac:hexhyp}&uuid=${uuid}&serial=${serial:uristring}&platform=${platform}&arch=${buildarch} || goto unreachable
            :unreachable
            echo RecoveryAssist: the appliance at http://10.0.0.5:8080 did not answer, booting from local disk
            iseq ${platform} efi && exit ||
            sanboot --no-describe --drive 0x80

            """.Replace("\r\n", "\n"));
    }

    [Fact]
    public void Local_Efi_Exits()
    {
        _scripts.Local(BootPlatform.Efi, LocalBootStatus.UnknownMachine).Should().Be(
            "#!ipxe\n# RecoveryAssist: unknown-machine-checked-in\necho RecoveryAssist: unknown-machine-checked-in, booting from local disk\nexit\n");
    }

    [Fact]
    public void Local_Bios_SanbootsFirstDisk()
    {
        _scripts.Local(BootPlatform.Pcbios, LocalBootStatus.NotArmed).Should().Be(
            "#!ipxe\n# RecoveryAssist: no-armed-recovery-for-this-host\necho RecoveryAssist: no-armed-recovery-for-this-host, booting from local disk\nsanboot --no-describe --drive 0x80\n");
    }

    [Fact]
    public void Local_PlatformUnknown_AsksIpxe()
    {
        _scripts.Local(null, LocalBootStatus.InvalidRequest).Should().Be(
            "#!ipxe\n# RecoveryAssist: request-not-understood\necho RecoveryAssist: request-not-understood, booting from local disk\niseq ${platform} efi && exit || sanboot --no-describe --drive 0x80\n");
    }

    [Fact]
    public void Menu_ArmedEfi_DefaultsToLocalDiskAndChainsLoaderWithBootCfg()
    {
        _scripts.Menu(Menu()).Should().Be($"""
            #!ipxe
            # RecoveryAssist: recovery session {Session} is armed for host esx01.lab
            :menu
            menu RecoveryAssist recovery of host esx01.lab (session {Session})
            item --key l local Boot from local disk (default)
            item --key n network Network recovery boot: ESXi esxi-8.0u2 with the recovery key (one time)
            item --key c console Console entry: show the instructions
            choose --default local --timeout 30000 target || goto local
            goto {"${target}"}
            :network
            echo RecoveryAssist: starting the ESXi boot loader of esxi-8.0u2 for host esx01.lab
            kernel http://10.0.0.5:8080/boot/images/esxi-8.0u2/efi/boot/bootx64.efi -c http://10.0.0.5:8080/boot/cfg/{Token}/boot.cfg
            boot || goto failed
            :failed
            echo RecoveryAssist: the network recovery boot failed. Ask the technician to re-arm the session.
            prompt --timeout 15000 Press any key to boot from local disk ||
            goto local
            :console
            echo At the ESXi boot loader press Shift+O, keep the options shown, type one space, then
            echo encryptionRecoveryKey= and the key from the operator page (scan its QR code there):
            echo http://10.0.0.5:8080/console/sessions/{Session}
            prompt Press any key to boot from local disk ||
            goto local
            :local
            echo RecoveryAssist: booting from local disk
            exit

            """.Replace("\r\n", "\n"));
    }

    [Fact]
    public void Menu_BiosWithStandInInitrd_LoadsInitrdByNameAndSanbootsLocally()
    {
        var text = _scripts.Menu(Menu(BootPlatform.Pcbios, loader: "http://10.0.2.2:8080/boot/images/lab/vmlinuz", initrd: "http://10.0.2.2:8080/boot/images/lab/initrd.gz",
            bootCfg: "http://10.0.2.2:8080/boot/cfg/" + Token + "/boot.cfg"));

        text.Should().Contain($"kernel http://10.0.2.2:8080/boot/images/lab/vmlinuz initrd=initrd.gz -c http://10.0.2.2:8080/boot/cfg/{Token}/boot.cfg\ninitrd http://10.0.2.2:8080/boot/images/lab/initrd.gz\nboot || goto failed\n");
        text.Should().EndWith(":local\necho RecoveryAssist: booting from local disk\nsanboot --no-describe --drive 0x80\n");
    }

    [Theory]
    [InlineData("host", "esx01 && shell", "{{host}}: character 6 (whitespace) is not allowed in an iPXE script; only letters, digits and -._:")]
    [InlineData("host", "esx01#x", "{{host}}: character 6 ('#') is not allowed in an iPXE script; only letters, digits and -._:")]
    [InlineData("host", "esx${x}", "{{host}}: character 4 ('$') is not allowed in an iPXE script; only letters, digits and -._:")]
    [InlineData("host", "esx;01", "{{host}}: character 4 (an operator character) is not allowed in an iPXE script; only letters, digits and -._:")]
    [InlineData("host", "", "{{host}}: the value is empty")]
    [InlineData("image", "esxi\n8", "{{image}}: character 5 (a line break) is not allowed in an iPXE script; only letters, digits and -._:")]
    [InlineData("image", "esxi\u00e98", "{{image}}: character 5 (a non-ASCII character) is not allowed in an iPXE script; only letters, digits and -._:")]
    [InlineData("loader", "http://10.0.0.5/boot/x.efi ||shell", "{{loader}}: character 27 (whitespace) is not allowed in an iPXE script; only letters, digits and -._~:/?=%+,@[]")]
    [InlineData("loader", "http://10.0.0.5/${next-server}/x.efi", "{{loader}}: character 17 ('$') is not allowed in an iPXE script; only letters, digits and -._~:/?=%+,@[]")]
    [InlineData("loader", "https://10.0.0.5/x.efi", "{{loader}}: not an absolute http:// or tftp:// URL (this iPXE has no HTTPS)")]
    [InlineData("bootcfg", "http://10.0.0.5/boot/cfg/a&&b/boot.cfg", "{{bootcfg}}: character 27 (an operator character) is not allowed in an iPXE script; only letters, digits and -._~:/?=%+,@[]")]
    [InlineData("bootcfg", "/boot/cfg/x/boot.cfg", "{{bootcfg}}: not an absolute http:// or tftp:// URL (this iPXE has no HTTPS)")]
    [InlineData("console", "http://10.0.0.5/console\"x", "{{console}}: character 24 (a quote or backslash) is not allowed in an iPXE script; only letters, digits and -._~:/?=%+,@[]")]
    [InlineData("initrd", "http://10.0.0.5/{x}", "{{initrd}}: character 17 (a brace) is not allowed in an iPXE script; only letters, digits and -._~:/?=%+,@[]")]
    public void Menu_ValueCouldInjectSyntax_RefusedNamingPlaceholderNotValue(string field, string value, string expected)
    {
        var model = field switch
        {
            "host" => Menu(host: value),
            "image" => Menu(image: value),
            "loader" => Menu(loader: value),
            "bootcfg" => Menu(bootCfg: value),
            "console" => Menu(console: value),
            "initrd" => Menu(initrd: value),
            _ => throw new ArgumentOutOfRangeException(nameof(field)),
        };

        var act = () => _scripts.Menu(model);

        act.Should().Throw<ScriptValueException>().Which.Message.Should().Be(expected);
    }

    [Fact]
    public void Menu_NegativeTimeout_Refused()
    {
        var act = () => _scripts.Menu(Menu(timeout: -1));

        act.Should().Throw<ScriptValueException>().Which.Message.Should().Be("{{timeout}}: the value is negative");
    }

    [Fact]
    public void Bootstrap_BaseUrlWithSpace_Refused()
    {
        var act = () => _scripts.Bootstrap("http://10.0.0.5:8080 || shell");

        act.Should().Throw<ScriptValueException>().Which.Message.Should().Be(
            "{{base}}: character 21 (whitespace) is not allowed in an iPXE script; only letters, digits and -._~:/?=%+,@[]");
    }

    [Fact]
    public void Render_MissingValue_RefusedBeforeAnyOutput()
    {
        var template = IpxeTemplate.Parse("t.ipxe", "#!ipxe\necho {{a}} {{b}}\n");

        var act = () => template.Render(new Dictionary<string, ScriptValue> { ["a"] = ScriptValue.Word("a", "x") });

        act.Should().Throw<ScriptValueException>().Which.Message.Should().Be("t.ipxe: no value for {{b}}");
    }

    [Fact]
    public void Parse_UnclosedPlaceholder_NamesLine()
    {
        var act = () => IpxeTemplate.Parse("t.ipxe", "#!ipxe\necho {{a\n");

        act.Should().Throw<FormatException>().WithMessage("t.ipxe line 2: '{{' without '}}'.");
    }

    [Theory]
    [InlineData("52-54-00-12-34-56", "4C4C4544-0042-3510-8052-B4C04F4E4232", "abc 123", "efi", "x86_64", "mac 52:54:00:12:34:56, uuid 4c4c4544-0042-3510-8052-b4c04f4e4232, serial ABC 123, efi x86_64")]
    [InlineData("52-54-00-12-34-56", "", "", "pcbios", "i386", "mac 52:54:00:12:34:56, uuid -, serial -, pcbios i386")]
    [InlineData("52-54-00-12-34-56", "00000000-0000-0000-0000-000000000000", "To Be Filled By O.E.M.", "pcbios", "i386", "mac 52:54:00:12:34:56, uuid -, serial -, pcbios i386")]
    public void Identity_FromBootstrapQuery_Normalised(string mac, string uuid, string serial, string platform, string arch, string expected)
    {
        MachineIdentity.Parse(mac, uuid, serial, platform, arch, out var problem)!.ToString().Should().Be(expected);
        problem.Should().BeNull();
    }

    [Theory]
    [InlineData("52-54-00-12-34", "", "", "efi", "x86_64", "mac: expected six hex octets (iPXE ${mac:hexhyp})")]
    [InlineData("52-54-00-12-34-56", "", "", "bios", "x86_64", "platform: expected pcbios or efi (iPXE ${platform})")]
    [InlineData("52-54-00-12-34-56", "", "", "efi", "mips", "arch: expected i386, x86_64, arm32 or arm64 (iPXE ${buildarch})")]
    [InlineData("52-54-00-12-34-56", "not-a-uuid", "", "efi", "x86_64", "uuid: expected an SMBIOS UUID (iPXE ${uuid}) or nothing")]
    [InlineData("52-54-00-12-34-56", "", "bad\u0001serial", "efi", "x86_64", "serial: at most 64 printable ASCII characters")]
    public void Identity_Malformed_RefusedWithReason(string mac, string uuid, string serial, string platform, string arch, string expected)
    {
        MachineIdentity.Parse(mac, uuid, serial, platform, arch, out var problem).Should().BeNull();
        problem.Should().Be(expected);
    }

    [Fact]
    public void Options_PublicBaseUrlCouldInject_ReportedAtStartup()
    {
        var result = new BootOptionsValidator().Validate(null, new BootOptions { PublicBaseUrl = "http://10.0.0.5:8080/#x", MenuTimeoutSeconds = 0, TokenMinutes = 0 });

        result.Failures.Should().Equal(
            "RecoveryAssist:Boot:PublicBaseUrl cannot be placed in an iPXE script: {{base}}: character 22 ('#') is not allowed in an iPXE script; only letters, digits and -._~:/?=%+,@[].",
            "RecoveryAssist:Boot:MenuTimeoutSeconds must be between 1 and 600.",
            "RecoveryAssist:Boot:TokenMinutes must be between 1 and 1440.");
    }
}
