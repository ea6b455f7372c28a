using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace RecoveryAssist.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A client key pair for one simulated host: ECDSA P-256, made in-process (no ssh-keygen per host,
/// so 500 hosts cost milliseconds). The private key is SEC1 PEM, which SSH.NET and OpenSSH both read.
/// </summary>
public sealed class ClientKey
{
    private ClientKey(string privateKeyPem, string publicKeyLine, string fingerprintSha256)
    {
        PrivateKeyPem = privateKeyPem;
        PublicKeyLine = publicKeyLine;
        FingerprintSha256 = fingerprintSha256;
    }

    /// <summary>"-----BEGIN EC PRIVATE KEY-----..." (unencrypted; test material only).</summary>
    public string PrivateKeyPem { get; }

    /// <summary>"ecdsa-sha2-nistp256 AAAA..." as authorized_keys wants it (without options or comment).</summary>
    public string PublicKeyLine { get; }

    /// <summary>SHA256 fingerprint, base64 without padding, as OpenSSH prints after "SHA256:".</summary>
    public string FingerprintSha256 { get; }

    public static ClientKey Create()
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var parameters = ecdsa.ExportParameters(includePrivateParameters: false);
        var point = new byte[1 + parameters.Q.X!.Length + parameters.Q.Y!.Length];
        point[0] = 0x04;
        parameters.Q.X.CopyTo(point, 1);
        parameters.Q.Y.CopyTo(point, 1 + parameters.Q.X.Length);

        using var blob = new MemoryStream();
        WriteString(blob, Encoding.ASCII.GetBytes("ecdsa-sha2-nistp256"));
        WriteString(blob, Encoding.ASCII.GetBytes("nistp256"));
        WriteString(blob, point);
        var bytes = blob.ToArray();
        var fingerprint = Convert.ToBase64String(SHA256.HashData(bytes)).TrimEnd('=');
        return new ClientKey(ecdsa.ExportECPrivateKeyPem(), "ecdsa-sha2-nistp256 " + Convert.ToBase64String(bytes), fingerprint);
    }

    /// <summary>SHA256 fingerprint of an OpenSSH public key line ("type base64 [comment]").</summary>
    public static string FingerprintOf(string publicKeyLine)
    {
        var blob = Convert.FromBase64String(publicKeyLine.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        return Convert.ToBase64String(SHA256.HashData(blob)).TrimEnd('=');
    }

    private static void WriteString(Stream stream, byte[] value)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, value.Length);
        stream.Write(length);
        stream.Write(value);
    }
}
