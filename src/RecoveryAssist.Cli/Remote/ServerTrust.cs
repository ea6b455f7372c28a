using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using RecoveryAssist.Server.Features.Network;

namespace RecoveryAssist.Cli.Remote;

/// <summary>
/// How the command line trusts the appliance's HTTPS certificate: a certificate the system trusts; else one that
/// chains to <c>--ca</c>/<c>RECOVERYASSIST_CA</c>; else, like SSH, the fingerprint seen on first contact, kept in
/// <c>known_servers</c> beside the token file. A changed fingerprint is refused until its line is removed.
/// </summary>
internal sealed class ServerTrust(Uri server, string? caFile, string knownServersFile, TextWriter notes)
{
    /// <summary>Why the last certificate was refused, for the one line the user sees.</summary>
    public string? Refusal { get; private set; }

    public string Authority => server.Authority;

    public HttpClientHandler Handler()
    {
        var handler = new HttpClientHandler { UseCookies = true };
        if (server.Scheme == Uri.UriSchemeHttps)
            handler.ServerCertificateCustomValidationCallback = (_, certificate, _, errors) => certificate is not null && Check(certificate, errors);
        return handler;
    }

    public bool Check(X509Certificate2 certificate, SslPolicyErrors errors)
    {
        Refusal = null;
        if (errors == SslPolicyErrors.None)
            return true;
        if (caFile is not null)
            return ChainsToCa(certificate, errors);
        var fingerprint = TlsCertificate.Fingerprint(certificate);
        var known = Known();
        if (known.TryGetValue(Authority, out var pinned))
        {
            if (string.Equals(pinned, fingerprint, StringComparison.OrdinalIgnoreCase))
                return true;
            Refusal = $"the appliance at {Authority} presented a certificate with SHA-256 fingerprint {fingerprint}, but {pinned} was pinned on first contact. "
                + $"If its certificate was replaced on purpose, remove the line for {Authority} from {knownServersFile}; otherwise someone may be in between.";
            return false;
        }
        Pin(fingerprint);
        notes.WriteLine($"note: pinned the certificate of {Authority} (SHA-256 {fingerprint}) in {knownServersFile}; compare it with the fingerprint the appliance printed at start.");
        return true;
    }

    private bool ChainsToCa(X509Certificate2 certificate, SslPolicyErrors errors)
    {
        X509Certificate2Collection anchors;
        try
        {
            anchors = new X509Certificate2Collection();
            anchors.ImportFromPemFile(caFile!);
        }
        catch (Exception e) when (e is IOException or System.Security.Cryptography.CryptographicException)
        {
            Refusal = $"--ca {caFile}: cannot read a PEM certificate ({e.Message})";
            return false;
        }
        // The appliance's own self-signed certificate given as the CA is trusted as it is.
        if (anchors.Any(a => a.RawData.AsSpan().SequenceEqual(certificate.RawData)))
            return true;
        // A CA vouches for names: a certificate it issued to another host is not the appliance's.
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            Refusal = $"the appliance's certificate (SHA-256 {TlsCertificate.Fingerprint(certificate)}) is not issued to {server.Host}";
            return false;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(anchors);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain.Build(certificate))
            return true;
        Refusal = $"the appliance's certificate (SHA-256 {TlsCertificate.Fingerprint(certificate)}) does not chain to the CA in {caFile}";
        return false;
    }

    private Dictionary<string, string> Known()
    {
        var known = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (!File.Exists(knownServersFile))
            return known;
        foreach (var line in File.ReadAllLines(knownServersFile))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (parts.Length == 2 && !line.StartsWith('#'))
                known[parts[0]] = parts[1];
        }
        return known;
    }

    private void Pin(string fingerprint)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(knownServersFile)!);
        var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using var writer = new StreamWriter(new FileStream(knownServersFile, options));
        writer.WriteLine($"{Authority} {fingerprint}");
    }
}
