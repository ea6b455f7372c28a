using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace RecoveryAssist.Server.Features.Network;

/// <summary>The side a request arrived on: decided by the listener (local address and port) it came to, never by a header.</summary>
internal enum Side
{
    People,
    Provisioning,
}

/// <summary>
/// The two Kestrel listeners. Kestrel writes the bound endpoint back into its <see cref="ListenOptions"/> (port 0
/// becomes the port it picked), so the side of a connection is found by comparing its local endpoint with them.
/// </summary>
internal sealed class ListenSides(ListenUrl people, ListenUrl provisioning)
{
    public ListenUrl PeopleUrl { get; } = people;

    public ListenUrl ProvisioningUrl { get; } = provisioning;

    /// <summary>The people side's certificate fingerprint (SHA-256), or null when it is plain HTTP on loopback.</summary>
    public string? CertificateFingerprint { get; init; }

    internal ListenOptions? PeopleListener { get; set; }

    internal ListenOptions? ProvisioningListener { get; set; }

    /// <summary>Where the people side is bound (after start: the port Kestrel picked).</summary>
    public IPEndPoint PeopleEndPoint => PeopleListener?.IPEndPoint ?? PeopleUrl.EndPoint;

    /// <summary>Where the provisioning side is bound (after start: the port Kestrel picked).</summary>
    public IPEndPoint ProvisioningEndPoint => ProvisioningListener?.IPEndPoint ?? ProvisioningUrl.EndPoint;

    public Uri People => Url(PeopleUrl.Https, PeopleEndPoint);

    public Uri Provisioning => Url(false, ProvisioningEndPoint);

    public Side Of(ConnectionInfo connection)
    {
        var provisioning = ProvisioningEndPoint;
        if (connection.LocalPort != provisioning.Port)
            return Side.People;
        if (ListenAddresses.IsAny(provisioning.Address) || connection.LocalIpAddress is null)
            return Side.Provisioning;
        return Normalize(connection.LocalIpAddress).Equals(Normalize(provisioning.Address)) ? Side.Provisioning : Side.People;
    }

    public static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static Uri Url(bool https, IPEndPoint endPoint)
    {
        var address = ListenAddresses.IsAny(endPoint.Address)
            ? (endPoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback)
            : endPoint.Address;
        var host = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
        return new Uri($"{(https ? "https" : "http")}://{host}:{endPoint.Port}/");
    }
}
