using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Options;
using RecoveryAssist.Server.Features.Network;
using RecoveryAssist.Tftp;
using RecoveryAssist.Tftp.Files;

namespace RecoveryAssist.Server.Features.Boot;

/// <summary>
/// The appliance's TFTP side of PXE: the iPXE binaries from <see cref="BootOptions.IpxeDirectory"/>,
/// the generated <c>bootstrap.ipxe</c>, and the registered images under <c>images/&lt;id&gt;/</c>.
/// A missing binary or an unusable port is a clear warning at start-up, not a crash: the HTTP side
/// still serves machines that reach it another way.
/// </summary>
internal sealed partial class BootTftpHost : IHostedService, IAsyncDisposable
{
    public const string BootstrapName = "bootstrap.ipxe";

    private readonly BootOptions _options;
    private readonly BootScripts _scripts;
    private readonly BootImages _images;
    private readonly ILogger<BootTftpHost> _logger;
    private readonly ILoggerFactory _loggers;
    private readonly TimeProvider _time;
    private readonly TftpFileMap _files = new();
    private readonly string _listenAddress;
    private TftpServer? _server;

    private readonly AllowedNetworks _allowed;

    public BootTftpHost(IOptions<BootOptions> options, BootScripts scripts, BootImages images, ILoggerFactory loggers, TimeProvider time, ListenSides sides, AllowedNetworks allowed)
    {
        _allowed = allowed;
        _options = options.Value;
        // TFTP serves the same network as /boot: the provisioning side's address, never all addresses by default.
        _listenAddress = _options.TftpListenAddress ?? sides.ProvisioningUrl.EndPoint.Address.ToString();
        _scripts = scripts;
        _images = images;
        _loggers = loggers;
        _logger = loggers.CreateLogger<BootTftpHost>();
        _time = time;
    }

    /// <summary>Where TFTP listens once started (null when disabled or not bound).</summary>
    public System.Net.IPEndPoint? LocalEndPoint => _server?.LocalEndPoint;

    /// <summary>The names served, for tests and diagnostics.</summary>
    internal TftpFileMap Files => _files;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var missing = new List<string>();
        foreach (var name in BootOptions.IpxeBinaries)
        {
            var path = Path.Combine(_options.IpxeDirectory, name);
            if (File.Exists(path))
            {
                _files.AddFile(name, path);
                // dnsmasq's pxe-service appends ".0" to a BIOS basename: serve that spelling too.
                if (name == "undionly.kpxe")
                    _files.AddFile("undionly.0", path);
            }
            else
                missing.Add(name);
        }
        if (missing.Count > 0)
            LogMissingBinaries(_logger, _options.IpxeDirectory, string.Join(", ", missing));
        if (_options.PublicBaseUrl is { } baseUrl)
        {
            var bootstrap = Encoding.ASCII.GetBytes(_scripts.Bootstrap(baseUrl.TrimEnd('/')));
            _files.AddBytes(BootstrapName, bootstrap);
        }
        else
        {
            LogNoPublicUrl(_logger);
        }
        foreach (var image in _images.List())
            AddImage(image);
        _images.Registered += AddImage;

        if (!_options.TftpEnabled)
            return;
        var server = new TftpServer(Options.Create(new TftpServerOptions
        {
            ListenAddress = _listenAddress,
            Port = _options.TftpPort,
            CaseInsensitiveNames = true,
        }), new AllowedClientsOnly(_files, _allowed), _loggers.CreateLogger<TftpServer>(), _time);
        try
        {
            await server.StartAsync(cancellationToken).ConfigureAwait(false);
            _server = server;
        }
        catch (SocketException e)
        {
            LogCannotListen(_logger, _listenAddress, _options.TftpPort, e.Message);
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _images.Registered -= AddImage;
        if (_server is { } server)
        {
            _server = null;
            await server.StopAsync(cancellationToken).ConfigureAwait(false);
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);

    private void AddImage(BootImageRecord image)
    {
        foreach (var file in image.Files)
            _files.AddConfinedFile($"images/{image.Id}/{file}", Path.Combine(image.Directory, file.Replace('/', Path.DirectorySeparatorChar)), image.Directory);
    }

    [LoggerMessage(EventId = 6101, Level = LogLevel.Warning, Message = "PXE: iPXE binaries missing in {Directory}: {Missing}. TFTP cannot hand iPXE to PXE clients; install the Debian package 'ipxe' or set RecoveryAssist:Boot:IpxeDirectory")]
    private static partial void LogMissingBinaries(ILogger logger, string directory, string missing);

    [LoggerMessage(EventId = 6102, Level = LogLevel.Warning, Message = "PXE: RecoveryAssist:Boot:PublicBaseUrl is not set, so TFTP does not serve bootstrap.ipxe; set it to the appliance's http:// address as PXE clients reach it")]
    private static partial void LogNoPublicUrl(ILogger logger);

    [LoggerMessage(EventId = 6103, Level = LogLevel.Error, Message = "PXE: TFTP cannot listen on {Address}:{Port}: {Reason}. PXE clients cannot load iPXE from this appliance (port 69 needs root or CAP_NET_BIND_SERVICE)")]
    private static partial void LogCannotListen(ILogger logger, string address, int port, string reason);
}

/// <summary>TFTP answers the same clients as /boot: those in <see cref="BootOptions.AllowedNetworks"/>; others get "file not found".</summary>
internal sealed class AllowedClientsOnly(ITftpFileProvider files, AllowedNetworks allowed) : ITftpFileProvider
{
    public ValueTask<TftpFile?> OpenAsync(TftpFileRequest request, CancellationToken cancellationToken) =>
        allowed.Contains(request.Client.Address) ? files.OpenAsync(request, cancellationToken) : ValueTask.FromResult<TftpFile?>(null);
}
