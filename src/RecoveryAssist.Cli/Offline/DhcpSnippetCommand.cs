using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace RecoveryAssist.Cli.Offline;

/// <summary>
/// <c>recoveryassist dhcp-snippet --kind dnsmasq|isc|kea --address IP</c>: prints a ready-to-use DHCP
/// configuration that sends PXE clients to the appliance (templates in appliance/dhcp/).
/// </summary>
internal static class DhcpSnippetCommand
{
    public const int DefaultHttpPort = 8080;

    private static readonly Dictionary<string, string> Templates = new(StringComparer.Ordinal)
    {
        ["dnsmasq"] = "dnsmasq.conf.tmpl",
        ["isc"] = "isc-dhcpd.conf.tmpl",
        ["kea"] = "kea-dhcp4.json.tmpl",
    };

    public static Command Build(CliConsole console)
    {
        var kind = new Option<string>("--kind") { Description = "dnsmasq (proxy-DHCP beside your DHCP server), isc (ISC dhcpd) or kea.", Required = true };
        kind.AcceptOnlyFromAmong([.. Templates.Keys]);
        var address = new Option<string>("--address") { Description = "The appliance's IPv4 address on the provisioning network.", Required = true };
        var httpPort = new Option<int>("--http-port") { Description = "The appliance's HTTP port as PXE clients reach it.", DefaultValueFactory = _ => DefaultHttpPort };
        var network = new Option<string?>("--network") { Description = "dnsmasq proxy range: the provisioning network's address (default: the address's /24)." };
        var command = new Command("dhcp-snippet", "Print a DHCP configuration snippet that sends PXE clients to the appliance (options 66/67, iPXE loop break, BIOS vs UEFI).")
        {
            kind,
            address,
            httpPort,
            network,
        };
        command.SetAction(result =>
        {
            var text = Render(result.GetValue(kind)!, result.GetValue(address)!, result.GetValue(httpPort), result.GetValue(network), out var problem);
            if (text is null)
            {
                console.Error.WriteLine("error: " + problem);
                return ExitCodes.InvalidInput;
            }
            console.Output.Write(text);
            return ExitCodes.Success;
        });
        return command;
    }

    public static string? Render(string kind, string address, int httpPort, string? network, out string? problem)
    {
        problem = null;
        if (!Templates.TryGetValue(kind, out var template))
        {
            problem = "--kind: expected dnsmasq, isc or kea";
            return null;
        }
        if (!IPAddress.TryParse(address, out var ip) || ip.AddressFamily != AddressFamily.InterNetwork || address.Count(c => c == '.') != 3)
        {
            problem = "--address: expected the appliance's IPv4 address, e.g. 10.0.0.5";
            return null;
        }
        if (httpPort is < 1 or > 65535)
        {
            problem = "--http-port: expected 1 to 65535";
            return null;
        }
        var bytes = ip.GetAddressBytes();
        var subnet = network ?? $"{bytes[0]}.{bytes[1]}.{bytes[2]}.0";
        if (!IPAddress.TryParse(subnet, out var subnetIp) || subnetIp.AddressFamily != AddressFamily.InterNetwork)
        {
            problem = "--network: expected an IPv4 network address, e.g. 10.0.0.0";
            return null;
        }
        using var stream = typeof(DhcpSnippetCommand).Assembly.GetManifestResourceStream("dhcp/" + template)!;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd().Replace("\r\n", "\n", StringComparison.Ordinal)
            .Replace("{{address}}", ip.ToString(), StringComparison.Ordinal)
            .Replace("{{http_port}}", httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{{network}}", subnetIp.ToString(), StringComparison.Ordinal);
    }
}
