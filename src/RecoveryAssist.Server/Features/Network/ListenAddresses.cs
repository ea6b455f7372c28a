using System.Net;
using RecoveryAssist.Server.Hosting;

namespace RecoveryAssist.Server.Features.Network;

/// <summary>One side's listen URL, parsed: http or https, the address Kestrel binds, the port (0 picks a free one).</summary>
internal sealed record ListenUrl(bool Https, IPEndPoint EndPoint)
{
    public string Scheme => Https ? "https" : "http";

    /// <summary>Parses <c>scheme://address:port</c> where address is an IP literal, <c>localhost</c> (loopback) or <c>*</c>/<c>+</c> (all).</summary>
    public static ListenUrl? Parse(string? text, out string? problem)
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            problem = "is empty";
            return null;
        }
        var url = text.Trim().Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.AbsolutePath != "/" || uri.Query.Length > 0)
        {
            problem = $"'{text}' is not a URL of the form http(s)://address:port";
            return null;
        }
        IPAddress? address = uri.IsLoopback && uri.HostNameType == UriHostNameType.Dns ? IPAddress.Loopback
            : IPAddress.TryParse(uri.Host.Trim('[', ']'), out var parsed) ? parsed : null;
        if (address is null)
        {
            problem = $"'{text}': the host must be an IP address, localhost or * (Kestrel binds addresses, not names)";
            return null;
        }
        return new ListenUrl(uri.Scheme == "https", new IPEndPoint(address, uri.Port));
    }

    public override string ToString() => $"{Scheme}://{(EndPoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{EndPoint.Address}]" : EndPoint.Address)}:{EndPoint.Port}";
}

/// <summary>Reads and checks the two listen URLs, the certificate pair and the trusted proxies.</summary>
internal static class ListenAddresses
{
    public static ListenUrl People(AppOptions options) => ListenUrl.Parse(options.Listen.People ?? AppOptions.DefaultPeopleUrl, out _)!;

    public static ListenUrl Provisioning(AppOptions options) => ListenUrl.Parse(options.Listen.Provisioning, out _)!;

    public static IEnumerable<string> Validate(AppOptions options)
    {
        var people = ListenUrl.Parse(options.Listen.People ?? AppOptions.DefaultPeopleUrl, out var problem);
        if (people is null)
            yield return $"RecoveryAssist:Listen:People {problem}.";
        else if (!people.Https && !IPAddress.IsLoopback(people.EndPoint.Address))
            yield return "RecoveryAssist:Listen:People may be http:// only on a loopback address (passwords and keys cross it): use https://.";
        var provisioning = ListenUrl.Parse(options.Listen.Provisioning, out problem);
        if (provisioning is null)
            yield return $"RecoveryAssist:Listen:Provisioning {problem}.";
        else if (provisioning.Https)
            yield return "RecoveryAssist:Listen:Provisioning must be http:// (firmware iPXE has no TLS).";
        if (people is not null && provisioning is not null && people.EndPoint.Port != 0 && people.EndPoint.Port == provisioning.EndPoint.Port
            && (people.EndPoint.Address.Equals(provisioning.EndPoint.Address) || IsAny(people.EndPoint.Address) || IsAny(provisioning.EndPoint.Address)))
            yield return "RecoveryAssist:Listen:People and RecoveryAssist:Listen:Provisioning must not share an address and port.";
        if ((options.Tls.CertificateFile is null) != (options.Tls.KeyFile is null))
            yield return "RecoveryAssist:Tls:CertificateFile and RecoveryAssist:Tls:KeyFile go together: set both or neither.";
        foreach (var file in new[] { options.Tls.CertificateFile, options.Tls.KeyFile }.OfType<string>())
        {
            if (!File.Exists(file))
                yield return $"RecoveryAssist:Tls: {file} does not exist.";
        }
        for (var i = 0; i < options.ForwardedHeaders.KnownProxies.Length; i++)
        {
            if (!IPAddress.TryParse(options.ForwardedHeaders.KnownProxies[i], out _))
                yield return $"RecoveryAssist:ForwardedHeaders:KnownProxies:{i} '{options.ForwardedHeaders.KnownProxies[i]}' is not an IP address.";
        }
    }

    public static bool IsAny(IPAddress address) => address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);
}
