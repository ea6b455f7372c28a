using Microsoft.Extensions.Options;
using RecoveryAssist.Tftp;
using RecoveryAssist.Tftp.Files;

// Standalone runner of our TFTP server for scripts/bench-tftp.sh:
//   TftpBench --root DIR [--address 127.0.0.1] [--port 6969] [--max-window-bytes N] [--busy-poll MICROSECONDS] [--segmentation-offload true|false]
// Serves every file under DIR until stdin closes or SIGTERM/Ctrl+C.
string root = ".";
// Every bench client is on loopback: the concurrent cell's 20 clients would otherwise meet the per-address bound,
// which keeps one address from taking every slot on a real network.
var options = new TftpServerOptions { ListenAddress = "127.0.0.1", Port = 6969, MaxTransfersPerAddress = 64 };
for (int i = 0; i < args.Length - 1; i += 2)
{
    switch (args[i])
    {
        case "--root": root = args[i + 1]; break;
        case "--address": options.ListenAddress = args[i + 1]; break;
        case "--port": options.Port = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); break;
        case "--max-window-bytes": options.MaxWindowBytes = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); break;
        case "--busy-poll": options.BusyPollMicroseconds = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); break;
        case "--segmentation-offload": options.SegmentationOffload = bool.Parse(args[i + 1]); break;
        case "--max-window": options.MaxWindowSize = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); break;
        default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
    }
}

var files = new TftpFileMap().AddDirectory(root);
await using var server = new TftpServer(Options.Create(options), files);
await server.StartAsync(CancellationToken.None);
Console.WriteLine($"listening on {server.LocalEndPoint}");

using var done = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; done.Cancel(); };
AppDomain.CurrentDomain.ProcessExit += (_, _) => done.Cancel();
try
{
    await Task.Delay(Timeout.Infinite, done.Token);
}
catch (OperationCanceledException)
{
}

await server.StopAsync(CancellationToken.None);
return 0;
