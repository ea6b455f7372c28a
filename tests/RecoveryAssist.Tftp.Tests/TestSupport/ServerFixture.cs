using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RecoveryAssist.Tftp.Files;

namespace RecoveryAssist.Tftp.Tests.TestSupport;

/// <summary>Starts our server on a free loopback port for one test.</summary>
internal sealed class RunningServer : IAsyncDisposable
{
    private RunningServer(TftpServer server, CollectingLogger logger)
    {
        Server = server;
        Logger = logger;
    }

    public TftpServer Server { get; }

    public CollectingLogger Logger { get; }

    public IPEndPoint EndPoint => Server.LocalEndPoint!;

    public static async Task<RunningServer> StartAsync(ITftpFileProvider files, Action<TftpServerOptions>? configure = null, System.Diagnostics.Metrics.IMeterFactory? meterFactory = null)
    {
        var options = new TftpServerOptions { ListenAddress = "127.0.0.1", Port = 0 };
        configure?.Invoke(options);
        var logger = new CollectingLogger();
        var server = new TftpServer(Options.Create(options), files, logger, meterFactory: meterFactory);
        await server.StartAsync(CancellationToken.None);
        return new RunningServer(server, logger);
    }

    public async ValueTask DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>Keeps formatted log lines with their event ids.</summary>
internal sealed class CollectingLogger : ILogger<TftpServer>
{
    private readonly Lock _lock = new();
    private readonly List<(int EventId, string Message)> _entries = [];

    public IReadOnlyList<(int EventId, string Message)> Entries
    {
        get
        {
            lock (_lock)
            {
                return _entries.ToList();
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_lock)
        {
            _entries.Add((eventId.Id, formatter(state, exception)));
        }
    }
}
