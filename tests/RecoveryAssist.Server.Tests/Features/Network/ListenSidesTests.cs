using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using RecoveryAssist.Server.Features.Audit;
using RecoveryAssist.Server.Features.Boot;
using RecoveryAssist.Server.Features.Network;

namespace RecoveryAssist.Server.Tests.Features.Network;

/// <summary>Issue 13, findings 1 and 7: two listeners, each with its own paths; HTTPS with a pinned certificate; trusted proxies only.</summary>
public sealed class ListenSidesTests : IAsyncLifetime
{
    private TestAppliance _appliance = null!;

    public async Task InitializeAsync() => _appliance = await TestAppliance.StartAsync();

    public async Task DisposeAsync() => await _appliance.DisposeAsync();

    [Theory]
    [InlineData("/api/hosts/")]
    [InlineData("/api/auth/signin")]
    [InlineData("/openapi/v1.json")]
    [InlineData("/healthz")]
    [InlineData("/console/sessions/6f1c2a44-0c1e-4a57-9d3a-2f0b7c9e1d20")]
    public async Task ProvisioningSide_PeoplePath_404(string path)
    {
        using var response = await _appliance.Provisioning().GetAsync(path);

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("/boot/bootstrap.ipxe")]
    [InlineData("/boot/script.ipxe?mac=52-54-00-aa-00-01&platform=efi&arch=x86_64")]
    [InlineData("/boot/cfg/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/boot.cfg")]
    public async Task PeopleSide_BootPath_404AndNothingRecorded(string path)
    {
        var before = _appliance.Services.GetRequiredService<AuditLog>().Read(0, 10_000).Count;

        using var response = await _appliance.Anonymous().GetAsync(path);

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        _appliance.Services.GetRequiredService<AuditLog>().Read(0, 10_000).Count.Should().Be(before);
    }

    [Fact]
    public async Task PeopleSide_Https_HstsAndSecureCookie()
    {
        _appliance.Address.Scheme.Should().Be("https");
        _appliance.CreateUser("tech-tls", "technician");

        using var response = await _appliance.Anonymous().PostAsJsonAsync("/api/auth/signin", new { userName = "tech-tls", password = TestAppliance.Password });

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Headers.GetValues("Strict-Transport-Security").Should().ContainSingle().Which.Should().StartWith("max-age=");
        response.Headers.GetValues("Set-Cookie").Should().Contain(c => c.StartsWith("recoveryassist=", StringComparison.Ordinal) && c.Contains("secure", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Certificate_Generated_EcdsaP256ForLoopback_FilesOwnerOnly_FingerprintPrinted()
    {
        var directory = Path.Combine(_appliance.DataDirectory, TlsCertificate.Directory);
        using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(directory, TlsCertificate.CertificateFileName)));

        certificate.GetECDsaPublicKey()!.KeySize.Should().Be(256);
        certificate.MatchesHostname("127.0.0.1").Should().BeTrue();
        certificate.MatchesHostname("localhost").Should().BeTrue();
        File.GetUnixFileMode(Path.Combine(directory, TlsCertificate.KeyFileName)).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.GetUnixFileMode(Path.Combine(directory, TlsCertificate.CertificateFileName)).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        _appliance.Console.ToString().Should().Contain($"TLS certificate SHA-256 fingerprint {TlsCertificate.Fingerprint(certificate)}")
            .And.Contain("created a self-signed TLS certificate");
    }

    [Fact]
    public async Task PeopleSide_PresentsTheCertificateInItsDataDirectory_APinOfAnotherIsRefused()
    {
        using var onFile = X509Certificate2.CreateFromPem(File.ReadAllText(_appliance.CertificateFile));
        using var pinned = new HttpClient(TestAppliance.TrustingHandler(TlsCertificate.Fingerprint(onFile))) { BaseAddress = _appliance.Address };
        using var other = new HttpClient(TestAppliance.TrustingHandler("00:11:22")) { BaseAddress = _appliance.Address };

        (await pinned.GetAsync("/healthz")).IsSuccessStatusCode.Should().BeTrue("the people side serves the certificate whose fingerprint it printed");
        var call = () => other.GetAsync("/healthz");
        await call.Should().ThrowAsync<HttpRequestException>();
    }

    [Fact]
    public async Task ProvisioningSide_ClientOutsideAllowedNetworks_403AlertOnceNamingNoAddress()
    {
        await using var appliance = await TestAppliance.StartAsync(dataDirectory: null, "--RecoveryAssist:Boot:AllowedNetworks:0=127.0.0.1/32");
        var outsider = appliance.ProvisioningFrom(IPAddress.Parse("127.0.0.2"));

        var statuses = new List<HttpStatusCode>();
        string? body = null;
        for (var i = 0; i < 20; i++)
        {
            using var response = await outsider.GetAsync("/boot/script.ipxe?mac=52-54-00-aa-00-01&platform=efi&arch=x86_64");
            statuses.Add(response.StatusCode);
            body = await response.Content.ReadAsStringAsync();
        }

        statuses.Should().OnlyContain(s => s == HttpStatusCode.Forbidden);
        body.Should().NotContain("127.0.0");
        var refused = appliance.Services.GetRequiredService<AuditLog>().Read(0, 10_000).Where(a => a.Action == "boot.client-refused").ToList();
        refused.Should().HaveCount(BootOptions.DefaultAuditsPerSourceWindow + 1, "a few records, then one ALERT that the rest are counted");
        refused.Should().OnlyContain(a => a.ClientAddress == "127.0.0.2");
        appliance.Services.GetRequiredService<BootService>().ListCheckIns(false, 0, 100).Should().BeEmpty();
        (await appliance.Provisioning().GetAsync("/boot/script.ipxe?mac=52-54-00-aa-00-01&platform=efi&arch=x86_64")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Tftp_ClientOutsideAllowedNetworks_FileNotFound_InsideServed()
    {
        await using var appliance = await TestAppliance.StartAsync(dataDirectory: null,
            "--RecoveryAssist:Boot:AllowedNetworks:0=127.0.0.1/32", "--RecoveryAssist:Boot:PublicBaseUrl=http://127.0.0.1:8080");
        var tftp = appliance.Services.GetRequiredService<BootTftpHost>().LocalEndPoint!;
        tftp.Address.Should().Be(IPAddress.Loopback, "TFTP binds the provisioning address, not all addresses");

        var outside = await TftpFirstPacketAsync(IPAddress.Parse("127.0.0.2"), tftp);
        var inside = await TftpFirstPacketAsync(IPAddress.Loopback, tftp);

        outside[1].Should().Be(5, "an ERROR packet");
        ((outside[2] << 8) | outside[3]).Should().Be(1, "file not found");
        inside[1].Should().Be(3, "a DATA packet");
    }

    /// <summary>Sends an RRQ for bootstrap.ipxe from <paramref name="local"/> and returns the first packet of the answer.</summary>
    private static async Task<byte[]> TftpFirstPacketAsync(IPAddress local, IPEndPoint server)
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        socket.Bind(new IPEndPoint(local, 0));
        byte[] request = [0, 1, .. System.Text.Encoding.ASCII.GetBytes("bootstrap.ipxe"), 0, .. System.Text.Encoding.ASCII.GetBytes("octet"), 0];
        await socket.SendToAsync(request, server);
        var buffer = new byte[1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = await socket.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), timeout.Token);
        return buffer[..received.ReceivedBytes];
    }

    [Fact]
    public async Task ForwardedFor_FromUntrustedPeer_Ignored()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/boot/script.ipxe?mac=52-54-00-aa-00-09&platform=efi&arch=x86_64");
        request.Headers.Add("X-Forwarded-For", "10.9.9.9");

        (await _appliance.Provisioning().SendAsync(request)).StatusCode.Should().Be(HttpStatusCode.OK);

        _appliance.Services.GetRequiredService<BootService>().ListCheckIns(false, 0, 100).Should().ContainSingle().Which.ClientAddress.Should().Be("127.0.0.1");
    }

    [Fact]
    public async Task ForwardedFor_FromKnownProxy_IsTheClient()
    {
        await using var appliance = await TestAppliance.StartAsync(dataDirectory: null,
            "--RecoveryAssist:ForwardedHeaders:KnownProxies:0=127.0.0.1", "--RecoveryAssist:Boot:AllowedNetworks:0=10.0.0.0/8");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/boot/script.ipxe?mac=52-54-00-aa-00-0a&platform=efi&arch=x86_64");
        request.Headers.Add("X-Forwarded-For", "10.9.9.9");

        (await appliance.Provisioning().SendAsync(request)).StatusCode.Should().Be(HttpStatusCode.OK);

        appliance.Services.GetRequiredService<BootService>().ListCheckIns(false, 0, 100).Should().ContainSingle().Which.ClientAddress.Should().Be("10.9.9.9");
    }

    [Theory]
    [InlineData("--RecoveryAssist:Listen:People=http://0.0.0.0:0", "may be http:// only on a loopback address")]
    [InlineData("--RecoveryAssist:Listen:Provisioning=https://127.0.0.1:0", "must be http://")]
    [InlineData("--RecoveryAssist:Listen:People=https://appliance.example:8443", "the host must be an IP address")]
    [InlineData("--RecoveryAssist:Tls:CertificateFile=/nonexistent.pem", "go together")]
    [InlineData("--RecoveryAssist:ForwardedHeaders:KnownProxies:0=proxy", "is not an IP address")]
    [InlineData("--RecoveryAssist:Boot:AllowedNetworks:0=10.0.0.0/33", "is not a CIDR")]
    public async Task Start_BadNetworkSetting_RefusedNamingIt(string setting, string expected)
    {
        var start = () => TestAppliance.StartAsync(dataDirectory: null, setting);

        (await start.Should().ThrowAsync<Microsoft.Extensions.Options.OptionsValidationException>()).Which.Message.Should().Contain(expected);
    }
}
