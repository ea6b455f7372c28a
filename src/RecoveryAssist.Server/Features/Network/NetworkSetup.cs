using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.HttpOverrides;
using RecoveryAssist.Server.Hosting;

namespace RecoveryAssist.Server.Features.Network;

/// <summary>
/// The two sides of the appliance on their own Kestrel listeners: people and automation on HTTPS (HSTS,
/// Secure cookies), anonymous PXE provisioning on plain HTTP. A path of one side is a 404 on the other.
/// Forwarded headers count only from <see cref="ForwardedHeadersSettings.KnownProxies"/>.
/// </summary>
internal static partial class NetworkSetup
{
    /// <summary>A year: the people side is never meant to be reached over plain HTTP.</summary>
    public const string HstsValue = "max-age=31536000";

    /// <summary>The paths served on the provisioning side; everything else is on the people side.</summary>
    public const string ProvisioningPrefix = "/boot";

    /// <summary>Binds both listeners and loads (or creates) the certificate; what to print at start comes back.</summary>
    public static NetworkStart AddNetwork(this WebApplicationBuilder builder, AppOptions options)
    {
        var people = ListenAddresses.People(options);
        var provisioning = ListenAddresses.Provisioning(options);
        X509Certificate2? certificate = null;
        string? created = null;
        if (people.Https)
            (certificate, created) = TlsCertificate.LoadOrCreate(options, people);
        var fingerprint = certificate is null ? null : TlsCertificate.Fingerprint(certificate);
        var sides = new ListenSides(people, provisioning) { CertificateFingerprint = fingerprint };
        builder.Services.AddSingleton(sides);
        // Kestrel binds these two endpoints and nothing from --urls/ASPNETCORE_URLS (folded into People by AppHost).
        builder.WebHost.UseUrls();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(people.EndPoint, listen =>
            {
                if (certificate is not null)
                    listen.UseHttps(certificate);
                sides.PeopleListener = listen;
            });
            kestrel.Listen(provisioning.EndPoint, listen => sides.ProvisioningListener = listen);
        });
        builder.Services.Configure<ForwardedHeadersOptions>(forwarded =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // The defaults trust loopback: on an appliance that would let any local process choose its client address.
            forwarded.KnownIPNetworks.Clear();
            forwarded.KnownProxies.Clear();
            foreach (var proxy in options.ForwardedHeaders.KnownProxies)
                forwarded.KnownProxies.Add(IPAddress.Parse(proxy));
            forwarded.ForwardLimit = 1;
        });
        return new NetworkStart(sides, fingerprint, created, options.ForwardedHeaders.KnownProxies.Length > 0);
    }

    /// <summary>First in the pipeline: forwarded headers from known proxies, then each side keeps to its own paths.</summary>
    public static void UseNetworkSides(this WebApplication app, NetworkStart network)
    {
        if (network.TrustsProxies)
            app.UseForwardedHeaders();
        var sides = network.Sides;
        app.Use((context, next) =>
        {
            var onProvisioningPath = context.Request.Path.StartsWithSegments(ProvisioningPrefix, StringComparison.Ordinal);
            if (sides.Of(context.Connection) == Side.Provisioning)
            {
                if (!onProvisioningPath)
                    return NotFound(context);
            }
            else
            {
                if (onProvisioningPath)
                    return NotFound(context);
                if (context.Request.IsHttps)
                    context.Response.Headers.StrictTransportSecurity = HstsValue;
            }
            return next(context);
        });
        app.Lifetime.ApplicationStarted.Register(() => LogListening(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("RecoveryAssist.Network"),
            sides.People.ToString(), sides.Provisioning.ToString()));
    }

    private static Task NotFound(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 9001, Level = LogLevel.Information, Message = "People side on {People}; provisioning side on {Provisioning}")]
    private static partial void LogListening(ILogger logger, string people, string provisioning);
}

/// <summary>What the network set-up tells the person starting the appliance.</summary>
internal sealed record NetworkStart(ListenSides Sides, string? Fingerprint, string? CertificateCreated, bool TrustsProxies)
{
    /// <summary>Console lines: a new certificate with the first-run lines; the fingerprint and both URLs at every start.</summary>
    public void Print(TextWriter console)
    {
        if (CertificateCreated is not null)
        {
            console.WriteLine($"RecoveryAssist: created a self-signed TLS certificate {CertificateCreated} (key beside it, mode 0600).");
            console.WriteLine("  Clients pin its fingerprint on first contact; compare it with the line below.");
        }
        if (Fingerprint is not null)
            console.WriteLine($"RecoveryAssist: TLS certificate SHA-256 fingerprint {Fingerprint}");
        else
            console.WriteLine($"RecoveryAssist: WARNING: the people side is plain HTTP on loopback ({Sides.PeopleUrl}): use it only for tests or behind a TLS-terminating proxy on this machine.");
    }

    public void PrintUrls(TextWriter console) =>
        console.WriteLine($"RecoveryAssist: people and API on {Sides.People}; PXE provisioning (/boot, TFTP) on {Sides.Provisioning}");
}
