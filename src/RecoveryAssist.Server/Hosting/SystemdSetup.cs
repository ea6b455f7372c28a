using System.Net.Sockets;
using System.Text;

namespace RecoveryAssist.Server.Hosting;

/// <summary>
/// Running as a systemd service (<c>appliance/systemd/recoveryassist.service</c>, <c>Type=notify</c>):
/// READY=1 once Kestrel listens and STOPPING=1 at shutdown, over <c>NOTIFY_SOCKET</c>; log lines in the
/// journal's console format (priority prefix, no colours) when stdout is the journal. Outside systemd
/// (neither variable set) nothing changes.
/// </summary>
internal static class SystemdSetup
{
    public const string NotifySocketVariable = "NOTIFY_SOCKET";

    /// <summary>Set by systemd when stdout or stderr is connected to the journal.</summary>
    public const string JournalStreamVariable = "JOURNAL_STREAM";

    /// <summary>Standard output goes to the journal: a log, where no secret may be written.</summary>
    public static bool ConsoleIsJournal => Environment.GetEnvironmentVariable(JournalStreamVariable) is { Length: > 0 };

    public static void AddSystemd(this WebApplicationBuilder builder)
    {
        if (ConsoleIsJournal)
            builder.Logging.AddSystemdConsole(o => o.IncludeScopes = false);
        if (Environment.GetEnvironmentVariable(NotifySocketVariable) is { Length: > 0 } socket)
            builder.Services.AddHostedService(sp => new SystemdNotifier(socket, sp.GetRequiredService<IHostApplicationLifetime>(), sp.GetRequiredService<ILogger<SystemdNotifier>>()));
    }
}

/// <summary>
/// The sd_notify protocol: one datagram per state on the Unix socket systemd names. Written by hand
/// (a few lines) because Microsoft.Extensions.Hosting.Systemd only notifies when its parent process is
/// systemd, which the installed-package test cannot be.
/// </summary>
internal sealed partial class SystemdNotifier(string socketPath, IHostApplicationLifetime lifetime, ILogger<SystemdNotifier> log) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // ApplicationStarted fires after every hosted service, Kestrel included, has started: then the ports answer.
        lifetime.ApplicationStarted.Register(() => Notify("READY=1\nSTATUS=listening"));
        lifetime.ApplicationStopping.Register(() => Notify("STOPPING=1"));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Notify(string state)
    {
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            socket.SendTo(Encoding.UTF8.GetBytes(state), Endpoint(socketPath));
        }
        catch (SocketException e)
        {
            // systemd then times the start out and says so; the log says why.
            NotifyFailed(log, socketPath, e.Message);
        }
    }

    /// <summary>A leading '@' names a socket in the abstract namespace (a leading NUL byte on the wire).</summary>
    internal static UnixDomainSocketEndPoint Endpoint(string path) => new(path.StartsWith('@') ? "\0" + path[1..] : path);

    [LoggerMessage(EventId = 100, Level = LogLevel.Warning, Message = "Could not notify systemd at {Socket}: {Reason}")]
    private static partial void NotifyFailed(ILogger logger, string socket, string reason);
}
