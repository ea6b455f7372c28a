using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using RecoveryAssist.Cli.Remote;

namespace RecoveryAssist.Cli.Tests.Remote;

/// <summary>--ca: a certificate the site's CA issued is trusted for the appliance's name only.</summary>
public sealed class ServerTrustTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ra-trust-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Check_WithCa_IssuedForTheAppliance_Trusted_IssuedForAnotherName_Refused()
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Site CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var leaf = new CertificateRequest("CN=other.example", leafKey, HashAlgorithmName.SHA256)
            .Create(ca, now.AddHours(-1), now.AddDays(7), [1, 2, 3, 4]);
        var caFile = Path.Combine(_directory, "ca.pem");
        File.WriteAllText(caFile, ca.ExportCertificatePem());
        var trust = new ServerTrust(new Uri("https://appliance.example:8443"), caFile, Path.Combine(_directory, "known_servers"), TextWriter.Null);

        trust.Check(leaf, SslPolicyErrors.RemoteCertificateChainErrors).Should().BeTrue("it chains to the CA and its name is not in question");
        trust.Check(leaf, SslPolicyErrors.RemoteCertificateChainErrors | SslPolicyErrors.RemoteCertificateNameMismatch).Should().BeFalse();
        trust.Refusal.Should().Contain("is not issued to appliance.example");
    }
}
