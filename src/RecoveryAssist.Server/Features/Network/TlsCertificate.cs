using System.Net;
using System.Net.NetworkInformation;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using RecoveryAssist.Server.Hosting;
using RecoveryAssist.Server.Storage;

namespace RecoveryAssist.Server.Features.Network;

/// <summary>
/// The people side's certificate: the configured PEM pair, or a self-signed ECDSA P-256 certificate generated
/// on first start into <c>&lt;data&gt;/tls/</c> (directory 0700, files 0600) for the machine's names and addresses.
/// Clients pin its SHA-256 fingerprint, which the appliance prints at every start.
/// </summary>
internal static class TlsCertificate
{
    public const string Directory = "tls";
    public const string CertificateFileName = "cert.pem";
    public const string KeyFileName = "key.pem";
    public const int ValidityYears = 5;

    /// <summary>The certificate and whether this call generated it.</summary>
    public static (X509Certificate2 Certificate, string? CreatedFile) LoadOrCreate(AppOptions options, ListenUrl people)
    {
        if (options.Tls is { CertificateFile: { } certFile, KeyFile: { } keyFile })
            return (Load(certFile, keyFile), null);
        var directory = Path.Combine(options.DataDirectory, Directory);
        var cert = Path.Combine(directory, CertificateFileName);
        var key = Path.Combine(directory, KeyFileName);
        if (File.Exists(cert) && File.Exists(key))
            return (Load(cert, key), null);
        PrivateFiles.CreateDirectory(directory);
        using var generated = Generate(MachineNames(people), TimeProvider.System.GetUtcNow());
        using var ecdsa = generated.GetECDsaPrivateKey()!;
        // The key first: a certificate without its key would be taken for a complete pair at the next start.
        PrivateFiles.WriteAllText(key, ecdsa.ExportPkcs8PrivateKeyPem());
        PrivateFiles.WriteAllText(cert, generated.ExportCertificatePem());
        return (Load(cert, key), Path.GetFullPath(cert));
    }

    /// <summary>A self-signed server certificate for <paramref name="names"/> (DNS names and IP addresses).</summary>
    public static X509Certificate2 Generate(IReadOnlyCollection<string> names, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = names.FirstOrDefault(n => !IPAddress.TryParse(n, out _)) ?? "recoveryassist";
        var request = new CertificateRequest($"CN={subject}, O=RecoveryAssist", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
        {
            if (IPAddress.TryParse(name, out var ip))
                san.AddIpAddress(ip);
            else
                san.AddDnsName(name);
        }
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(now.AddDays(-1), now.AddYears(ValidityYears));
    }

    /// <summary>The SHA-256 of the certificate's DER encoding, as <c>openssl x509 -fingerprint -sha256</c> prints it.</summary>
    public static string Fingerprint(X509Certificate2 certificate) => Fingerprint(certificate.RawData);

    public static string Fingerprint(ReadOnlySpan<byte> der) => string.Join(':', Convert.ToHexString(SHA256.HashData(der)).Chunk(2).Select(c => new string(c)));

    /// <summary>The host name, <c>localhost</c>, every unicast address of the machine, and the configured listen address.</summary>
    private static List<string> MachineNames(ListenUrl people)
    {
        var names = new List<string>();
        var host = Dns.GetHostName();
        if (!string.IsNullOrEmpty(host))
            names.Add(host);
        names.Add("localhost");
        if (!ListenAddresses.IsAny(people.EndPoint.Address))
            names.Add(people.EndPoint.Address.ToString());
        try
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
            {
                foreach (var address in nic.GetIPProperties().UnicastAddresses)
                {
                    if (address.Address.IsIPv6LinkLocal)
                        continue;
                    names.Add(address.Address.ToString());
                }
            }
        }
        catch (NetworkInformationException)
        {
            // Without interface information the certificate still names the host and the listen address.
        }
        return names.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }

    private static X509Certificate2 Load(string certificateFile, string keyFile)
    {
        try
        {
            return X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
        }
        catch (CryptographicException e)
        {
            throw new StoreOpenException($"The TLS certificate {certificateFile} with key {keyFile} cannot be loaded: {e.Message}");
        }
    }
}
