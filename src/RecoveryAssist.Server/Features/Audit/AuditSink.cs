using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using RecoveryAssist.Server.Hosting;

namespace RecoveryAssist.Server.Features.Audit;

/// <summary>Where audit records are copied as they commit, section <c>RecoveryAssist:Audit</c>. Validated at start-up.</summary>
internal sealed class AuditSinkOptions
{
    public const string Section = "RecoveryAssist:Audit";
    public const string LocalSyslog = "local";
    public const string DevLog = "/dev/log";

    /// <summary>An append-only JSON-lines file outside the data directory (one record and its chain hash a line); none by default.</summary>
    public string? SinkFile { get; set; }

    /// <summary>Syslog (RFC 5424): <c>local</c> (the Unix datagram socket /dev/log, journald's too) or <c>udp://host:port</c>; none by default.</summary>
    public string? Syslog { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(SinkFile) || !string.IsNullOrWhiteSpace(Syslog);

    /// <summary>The UDP receiver of <see cref="Syslog"/>, or null for the local socket.</summary>
    public IPEndPoint? SyslogUdp() =>
        Syslog is { } s && s.StartsWith("udp://", StringComparison.OrdinalIgnoreCase) && IPEndPoint.TryParse(s["udp://".Length..], out var endpoint) ? endpoint : null;
}

internal sealed class AuditSinkOptionsValidator(IOptions<AppOptions> app) : IValidateOptions<AuditSinkOptions>
{
    public ValidateOptionsResult Validate(string? name, AuditSinkOptions options)
    {
        var errors = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.SinkFile))
        {
            var file = Path.GetFullPath(options.SinkFile);
            var data = Path.GetFullPath(app.Value.DataDirectory).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
            if (file.StartsWith(data, StringComparison.Ordinal))
                errors.Add($"{AuditSinkOptions.Section}:SinkFile must be outside the data directory: a copy beside the store is rewritten with it.");
            if (!Directory.Exists(Path.GetDirectoryName(file)))
                errors.Add($"{AuditSinkOptions.Section}:SinkFile: the directory {Path.GetDirectoryName(file)} does not exist.");
        }
        if (!string.IsNullOrWhiteSpace(options.Syslog) && options.Syslog != AuditSinkOptions.LocalSyslog && options.SyslogUdp() is null)
            errors.Add($"{AuditSinkOptions.Section}:Syslog must be 'local' or udp://<address>:<port>.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>
/// Copies every committed audit record off the data directory: a JSON-lines file and/or syslog, each with
/// the record's chain hash, so that whoever holds the KEK and rewrites the chain (and re-seals its head)
/// is caught by comparing the store with the copy (<c>recoveryassist audit verify --against</c>). A copy
/// that cannot be written does not undo the committed operation; it makes the appliance report degraded.
/// </summary>
internal sealed partial class AuditSink : IDisposable
{
    private readonly AuditSinkOptions _options;
    private readonly StoreIntegrity _integrity;
    private readonly ILogger<AuditSink> _logger;
    private readonly string _hostName = Dns.GetHostName();
    private FileStream? _file;
    private Socket? _syslog;
    private EndPoint? _syslogEndpoint;

    public AuditSink(IOptions<AuditSinkOptions> options, StoreIntegrity integrity, ILogger<AuditSink> logger)
    {
        _options = options.Value;
        _integrity = integrity;
        _logger = logger;
    }

    /// <summary>One line of the copy: the record as stored, its chain hash included.</summary>
    public static string Line(AuditRecord record) => JsonSerializer.Serialize(record, CopyJson);

    public void Publish(AuditRecord record)
    {
        var line = Line(record);
        if (!string.IsNullOrWhiteSpace(_options.SinkFile))
            Guard("sink file", () => AppendLine(line));
        if (!string.IsNullOrWhiteSpace(_options.Syslog))
            Guard("syslog", () => SendSyslog(record, line));
    }

    /// <summary>RFC 5424: facility authpriv (10), severity notice for refusals and failures, informational otherwise.</summary>
    public static string SyslogMessage(AuditRecord record, string line, string hostName)
    {
        var severity = record.Outcome == AuditEntry.Success ? 6 : 5;
        var msgId = new string(record.Action.Where(c => c is > ' ' and <= '~').Take(32).ToArray());
        return string.Create(CultureInfo.InvariantCulture,
            $"<{10 * 8 + severity}>1 {record.Time:yyyy-MM-ddTHH:mm:ss.fffZ} {hostName} recoveryassist {Environment.ProcessId} {(msgId.Length == 0 ? "-" : msgId)} - {line}");
    }

    private void AppendLine(string line)
    {
        if (_file is null)
        {
            var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.Read };
            if (!OperatingSystem.IsWindows())
                options.UnixCreateMode = PrivateFiles.PrivateFileMode;
            _file = new FileStream(_options.SinkFile!, options);
        }
        _file.Write(Encoding.UTF8.GetBytes(line + "\n"));
        _file.Flush();
    }

    private void SendSyslog(AuditRecord record, string line)
    {
        if (_syslog is null)
        {
            if (_options.SyslogUdp() is { } udp)
            {
                _syslog = new Socket(udp.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
                _syslogEndpoint = udp;
            }
            else
            {
                _syslog = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
                _syslogEndpoint = new UnixDomainSocketEndPoint(AuditSinkOptions.DevLog);
            }
        }
        _syslog.SendTo(Encoding.UTF8.GetBytes(SyslogMessage(record, line, _hostName)), _syslogEndpoint!);
    }

    private void Guard(string sink, Action write)
    {
        try
        {
            write();
            _integrity.Clear("audit " + sink);
        }
        catch (Exception e) when (e is IOException or SocketException or UnauthorizedAccessException)
        {
            _integrity.Report("audit " + sink, $"audit {sink} cannot be written ({e.Message})");
            LogSinkFailed(_logger, e, sink);
        }
    }

    public void Dispose()
    {
        _file?.Dispose();
        _syslog?.Dispose();
    }

    private static readonly JsonSerializerOptions CopyJson = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    [LoggerMessage(EventId = 1500, Level = LogLevel.Error, Message = "The audit copy ({Sink}) cannot be written")]
    private static partial void LogSinkFailed(ILogger logger, Exception exception, string sink);
}
