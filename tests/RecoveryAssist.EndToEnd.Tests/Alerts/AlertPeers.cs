using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using RecoveryAssist.Testing;

namespace RecoveryAssist.EndToEnd.Tests.Alerts;

/// <summary>A webhook receiver on loopback (HttpListener): keeps each request's body and headers; completes a task when enough arrived.</summary>
internal sealed class WebhookReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<(byte[] Body, string? Signature, string? Event)> _received = new();
    private readonly object _gate = new();
    private (int Count, TaskCompletionSource Done)? _waiting;
    private int _failFirst;
    private readonly TaskCompletionSource _hang = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public WebhookReceiver(int failFirst = 0, bool hang = false)
    {
        _failFirst = failFirst;
        Hang = hang;
        Port = FreePort.Tcp();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _ = LoopAsync();
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}/alerts";

    /// <summary>Holds every request without answering (a hanging peer).</summary>
    public bool Hang { get; }

    public IReadOnlyList<(byte[] Body, string? Signature, string? Event)> Received => _received.ToList();

    /// <summary>Completes when <paramref name="count"/> requests (failed ones included) have arrived.</summary>
    public Task WaitForAsync(int count)
    {
        lock (_gate)
        {
            if (_received.Count >= count)
                return Task.CompletedTask;
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting = (count, done);
            return done.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            lock (_gate)
            {
                _received.Enqueue((body.ToArray(), context.Request.Headers["X-RecoveryAssist-Signature"], context.Request.Headers["X-RecoveryAssist-Event"]));
                if (_waiting is { } waiting && _received.Count >= waiting.Count)
                {
                    waiting.Done.TrySetResult();
                    _waiting = null;
                }
            }
            if (Hang)
            {
                _ = _hang.Task.ContinueWith(_ => context.Response.Abort(), TaskScheduler.Default);
                continue;
            }
            context.Response.StatusCode = Interlocked.Decrement(ref _failFirst) >= 0 ? 500 : 204;
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        _hang.TrySetResult();
        _listener.Close();
    }
}

/// <summary>
/// A real SMTP server: Debian's python3-aiosmtpd on a free loopback port, STARTTLS with a self-signed
/// certificate, its Debugging handler printing each message to stdout.
/// </summary>
internal sealed class SmtpPeer : IAsyncDisposable
{
    public const string Python = "/usr/bin/python3";
    private readonly Process _process;
    private readonly string _directory;
    private readonly StringBuilder _output = new();
    private readonly object _gate = new();
    private (int Count, TaskCompletionSource Done)? _waiting;
    private int _messages;

    /// <summary>Null when python3-aiosmtpd is there; otherwise what is missing.</summary>
    public static string? MissingReason =>
        File.Exists("/usr/lib/python3/dist-packages/aiosmtpd/__init__.py") ? null : "python3-aiosmtpd (Debian package) is not installed";

    private SmtpPeer(Process process, string directory, int port, string fingerprint)
    {
        _process = process;
        _directory = directory;
        Port = port;
        CertificateSha256 = fingerprint;
    }

    public int Port { get; }

    /// <summary>The SHA-256 of the server's certificate (hex), for the channel's pin.</summary>
    public string CertificateSha256 { get; }

    public string Output
    {
        get
        {
            lock (_gate)
                return _output.ToString();
        }
    }

    public static async Task<SmtpPeer> StartAsync()
    {
        if (MissingReason is { } missing)
            throw new InvalidOperationException(missing + "; install it (scripts/test.sh does)");
        var directory = Directory.CreateDirectory(TestDirectory.NewPath("smtp-")).FullName;
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var certFile = Path.Combine(directory, "cert.pem");
        var keyFile = Path.Combine(directory, "key.pem");
        await File.WriteAllTextAsync(certFile, certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(keyFile, key.ExportPkcs8PrivateKeyPem());
        var port = FreePort.Tcp();
        var start = new ProcessStartInfo(Python)
        {
            ArgumentList = { "-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{port}", "--tlscert", certFile, "--tlskey", keyFile },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["PYTHONUNBUFFERED"] = "1";
        var process = Process.Start(start)!;
        var peer = new SmtpPeer(process, directory, port, Convert.ToHexStringLower(SHA256.HashData(certificate.RawData)));
        process.OutputDataReceived += (_, e) => peer.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => peer.OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await peer.WaitUntilListeningAsync();
        return peer;
    }

    private void OnLine(string? line)
    {
        if (line is null)
            return;
        lock (_gate)
        {
            _output.AppendLine(line);
            if (line.Contains("END MESSAGE", StringComparison.Ordinal))
            {
                _messages++;
                if (_waiting is { } waiting && _messages >= waiting.Count)
                {
                    waiting.Done.TrySetResult();
                    _waiting = null;
                }
            }
        }
    }

    public Task WaitForMessagesAsync(int count)
    {
        lock (_gate)
        {
            if (_messages >= count)
                return Task.CompletedTask;
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting = (count, done);
            return done.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
    }

    /// <summary>Ready when it answers with its 220 greeting (a readiness probe, not a timing assumption).</summary>
    private async Task WaitUntilListeningAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                var buffer = new byte[3];
                if (await client.GetStream().ReadAsync(buffer) == 3 && Encoding.ASCII.GetString(buffer) == "220")
                    return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
            }
            if (_process.HasExited || DateTime.UtcNow > deadline)
                throw new InvalidOperationException("aiosmtpd did not start: " + Output);
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
            _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
        TestDirectory.Delete(_directory);
    }
}

/// <summary>Syslog receivers: a Unix datagram socket and a UDP socket on loopback, as a syslog daemon binds them.</summary>
internal sealed class SyslogReceiver : IDisposable
{
    private readonly string _directory = Directory.CreateDirectory(TestDirectory.NewPath("syslog-")).FullName;

    public SyslogReceiver()
    {
        UnixPath = Path.Combine(_directory, "log.sock");
        Unix = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        Unix.Bind(new UnixDomainSocketEndPoint(UnixPath));
        Udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        Udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
    }

    public string UnixPath { get; }

    public Socket Unix { get; }

    public Socket Udp { get; }

    public int UdpPort => ((IPEndPoint)Udp.LocalEndPoint!).Port;

    public static async Task<byte[]> ReceiveAsync(Socket socket)
    {
        var buffer = new byte[8192];
        var length = await socket.ReceiveAsync(buffer).WaitAsync(TimeSpan.FromSeconds(60));
        return buffer[..length];
    }

    public void Dispose()
    {
        Unix.Dispose();
        Udp.Dispose();
        TestDirectory.Delete(_directory);
    }
}
