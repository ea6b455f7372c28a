using System.Net;
using System.Net.Sockets;

namespace RecoveryAssist.Testing;

internal static class FreePort
{
    /// <summary>A loopback TCP port free now, for a listener that must know its port before it starts.</summary>
    public static int Tcp()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
