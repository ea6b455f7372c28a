using Microsoft.Extensions.DependencyInjection;
using RecoveryAssist.Core.Keys;
using RecoveryAssist.Server.Features.Boot;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Features.Recovery;

namespace RecoveryAssist.EndToEnd.Tests.Pxe;

/// <summary>
/// The appliance in-process for QEMU guests: the provisioning side on a free loopback port, TFTP on a free high port
/// (QEMU's user network answers guest UDP port 69 itself), both reached by the guest as 10.0.2.2.
/// The stand-in image is registered once.
/// </summary>
public sealed class PxeAppliance : IAsyncLifetime
{
    public const string GuestHost = "10.0.2.2";
    public const string ImageId = "standin-8.0u2";

    private TestAppliance _appliance = null!;

    public int HttpPort { get; private set; }

    public int TftpPort { get; private set; }

    /// <summary>The DHCP boot file QEMU hands the iPXE ROM: our generated bootstrap over TFTP.</summary>
    public string BootFile => $"tftp://{GuestHost}:{TftpPort}/{BootTftpHost.BootstrapName}";

    internal IServiceProvider Services => _appliance.Services;

    public async Task InitializeAsync()
    {
        QemuRequirement.EnsureAvailable();
        var image = await StandInImage.PrepareAsync();
        HttpPort = FreePort.Tcp();
        // The guest reaches the appliance as 10.0.2.2, so the provisioning port is chosen before start and put in the URLs.
        _appliance = await TestAppliance.StartAsync(
            configure: null,
            dataDirectory: null,
            $"--RecoveryAssist:Listen:Provisioning=http://127.0.0.1:{HttpPort}",
            $"--{BootOptions.Section}:PublicBaseUrl=http://{GuestHost}:{HttpPort}",
            $"--{BootOptions.Section}:HostCacheSeconds=0");
        TftpPort = Services.GetRequiredService<BootTftpHost>().LocalEndPoint?.Port
            ?? throw new InvalidOperationException("The appliance's TFTP server did not start.");
        Services.GetRequiredService<BootImages>().Register(
            new RegisterImageRequest(ImageId, image, "standin/vmlinuz", "standin/vmlinuz", "standin/initrd.gz"), Actor.System);
    }

    public async Task DisposeAsync() => await _appliance.DisposeAsync();

    /// <summary>A host with an escrowed key and the given identity.</summary>
    internal (HostRecord Host, RecoveryKey Key) Host(string name, string mac, string uuid, string serial)
    {
        var escrow = Services.GetRequiredService<EscrowService>();
        var host = escrow.CreateHost(new HostInput(name, SmbiosUuid: uuid, Serial: serial, MacAddresses: [mac], KernelOpt: "autoPartition=FALSE"), Actor.System);
        var (_, key, output) = EsxcliOutput.NewHostKey();
        escrow.ImportForHost(host.Id, output, null, KeySource.Imported, Actor.System);
        return (host, key);
    }

    /// <summary>Opens, approves (second person) and arms a network-path session for the host.</summary>
    internal Guid Arm(string hostName)
    {
        var sessions = Services.GetRequiredService<RecoverySessionService>();
        var session = sessions.Open(hostName, null, "motherboard-replaced", "INC-6", "network", new Person("tech-one", "Technician", "192.0.2.1"));
        sessions.Approve(session.Id, new Person("tech-two", "Technician", "192.0.2.2"));
        Services.GetRequiredService<BootService>().Arm(session.Id, new ArmRequest(ImageId), new Person("tech-one", "Technician", "192.0.2.1"));
        return session.Id;
    }

    internal IReadOnlyList<CheckInRecord> CheckIns() => Services.GetRequiredService<BootService>().ListCheckIns(false, 0, 100);

    internal IReadOnlyList<RecoveryAssist.Server.Features.Audit.AuditRecord> Audit(Guid sessionId) =>
        Services.GetRequiredService<RecoveryAssist.Server.Features.Audit.AuditLog>().Read(0, 10_000, RecoverySessionService.Target(sessionId));
}

[CollectionDefinition(Name)]
public sealed class PxeCollection : ICollectionFixture<PxeAppliance>
{
    public const string Name = "pxe";
}
