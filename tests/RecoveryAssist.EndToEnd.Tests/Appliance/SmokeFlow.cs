using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using RecoveryAssist.Core.Keys;
using RecoveryAssist.EndToEnd.Tests.Metrics;

namespace RecoveryAssist.EndToEnd.Tests.Appliance;

/// <summary>
/// What an operator does first with a freshly installed appliance, with the INSTALLED command line:
/// first-run passwd then login, users for two technicians, a host and its key, a recovery session
/// opened by one, approved by the other, and the key revealed; then a backup restored onto an empty
/// directory, and a /metrics scrape that promtool checks. Each step is a method; <see cref="Steps"/>
/// runs them in order.
/// </summary>
internal sealed class SmokeFlow(InstalledAppliance appliance, string installedCli) : IDisposable
{
    public const string HostName = "esx01.lab";
    private const string AdminPassword = "first admin password 1";
    private const string BackupPassphrase = "backup passphrase kept apart";

    private readonly List<CliProcess> _clis = [];

    public InstalledAppliance Appliance => appliance;

    public CliProcess Admin { get; private set; } = null!;

    public CliProcess Requester { get; private set; } = null!;

    public CliProcess Approver { get; private set; } = null!;

    public RecoveryKey ImportedKey { get; private set; } = null!;

    public string SessionId { get; private set; } = "";

    public IReadOnlyList<(string Name, Func<Task> Run)> Steps =>
    [
        ("first-run passwd, then login", FirstRunPasswdThenLoginAsync),
        ("user add two technicians", AddTechniciansAsync),
        ("host add and import", AddHostAndImportAsync),
        ("recover, approve, reveal", RecoverApproveRevealAsync),
        ("backup, restore onto an empty directory, verify", BackupRestoreVerifyAsync),
        ("scrape /metrics, promtool", ScrapeMetricsAsync),
    ];

    private CliProcess NewCli()
    {
        var cli = new CliProcess(appliance.Address) { Executable = installedCli };
        _clis.Add(cli);
        return cli;
    }

    private async Task FirstRunPasswdThenLoginAsync()
    {
        var oneTime = appliance.OneTimePassword;
        appliance.Console.Should().NotContain(oneTime, "the journal is a log: the one-time password goes to a file");
        new FileInfo(Path.Combine(appliance.StateDirectory, "admin-password")).UnixFileMode.Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Admin = NewCli();
        var passwd = await Admin.RunWithInputAsync($"{oneTime}\n{AdminPassword}\n{AdminPassword}\n", "passwd", "--user", "admin");
        passwd.ExitCode.Should().Be(0, passwd.ToString());
        var login = await Admin.RunWithInputAsync(AdminPassword + "\n", "login", "--user", "admin");
        login.ExitCode.Should().Be(0, login.ToString());
    }

    private async Task AddTechniciansAsync()
    {
        Requester = await NewUserAsync("tech-a");
        Approver = await NewUserAsync("tech-b");
    }

    /// <summary>A technician made by the admin with a one-time password, which they change at first sign-in.</summary>
    private async Task<CliProcess> NewUserAsync(string name)
    {
        var added = await Admin.RunAsync("user", "add", name, "--role", "technician");
        added.ExitCode.Should().Be(0, added.ToString());
        var oneTime = added.Json.GetProperty("oneTimePassword").GetString()!;
        var cli = NewCli();
        var password = $"password of {name} 1";
        var passwd = await cli.RunWithInputAsync($"{oneTime}\n{password}\n{password}\n", "passwd", "--user", name);
        passwd.ExitCode.Should().Be(0, passwd.ToString());
        var login = await cli.RunWithInputAsync(password + "\n", "login", "--user", name);
        login.ExitCode.Should().Be(0, login.ToString());
        return cli;
    }

    private async Task AddHostAndImportAsync()
    {
        var added = await Admin.RunAsync("host", "add", HostName, "--mac", "00:50:56:aa:bb:cc", "--kernelopt", "autoPartition=FALSE");
        added.ExitCode.Should().Be(0, added.ToString());
        var (_, key, output) = EsxcliOutput.NewHostKey();
        var file = Path.Combine(Admin.Home, "list.txt");
        await File.WriteAllTextAsync(file, output);
        var imported = await Admin.RunAsync("import", "--host", HostName, file);
        imported.ExitCode.Should().Be(0, imported.ToString());
        imported.Json.GetProperty("outcome").GetString().Should().Be("escrowed");
        ImportedKey = key;
    }

    private async Task RecoverApproveRevealAsync()
    {
        var opened = await Requester.RunAsync("recover", HostName, "--reason", "motherboard-replaced", "--ticket", "CHG-7");
        opened.ExitCode.Should().Be(0, opened.ToString());
        SessionId = opened.Json.GetProperty("id").GetString()!;
        var approved = await Approver.RunAsync("session", "approve", SessionId);
        approved.ExitCode.Should().Be(0, approved.ToString());
        var revealed = await Requester.RunAsync("session", "reveal", SessionId, "--host", HostName);
        revealed.ExitCode.Should().Be(0, revealed.ToString());
        revealed.Output.Should().Contain("autoPartition=FALSE encryptionRecoveryKey=" + ImportedKey.Reveal());
    }

    /// <summary>An online backup of the running appliance, restored (it carries the KEK under its passphrase) and verified offline.</summary>
    private async Task BackupRestoreVerifyAsync()
    {
        var file = Path.Combine(Admin.Home, "escrow.rabackup");
        var backup = await Admin.RunWithInputAsync(BackupPassphrase + "\n", "admin", "backup", "--out", file, "--passphrase-stdin");
        backup.ExitCode.Should().Be(0, backup.ToString());
        (await File.ReadAllTextAsync(file)).Should().NotContain(ImportedKey.Reveal(), "a backup is sealed");

        var restoredDirectory = Path.Combine(Admin.Home, "restored");
        var restore = await Admin.RunWithInputAsync(BackupPassphrase + "\n", "admin", "restore", file, "--data", restoredDirectory, "--passphrase-stdin");
        restore.ExitCode.Should().Be(0, restore.ToString());
        restore.Output.Should().Contain("1 hosts").And.Contain("chain verified");
        var verify = await Admin.RunAsync("audit", "verify", "--data", restoredDirectory);
        verify.ExitCode.Should().Be(0, verify.ToString());
        verify.Output.Should().StartWith("intact:");
    }

    /// <summary>What Prometheus would do: a token narrowed to metrics:read, the people side's certificate, promtool.</summary>
    private async Task ScrapeMetricsAsync()
    {
        var promtool = PromtoolFactAttribute.Tool.EnsureAvailable();
        var created = await Admin.RunAsync("token", "create", "scrape", "--scope", "metrics:read");
        created.ExitCode.Should().Be(0, created.ToString());
        var token = created.Json.GetProperty("token").GetString()!;
        var certificate = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(Path.Combine(appliance.StateDirectory, "tls", "cert.pem")));
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented is not null && presented.RawData.AsSpan().SequenceEqual(certificate.RawData),
        };
        using var scraper = new HttpClient(handler) { BaseAddress = appliance.Address };
        scraper.DefaultRequestHeaders.Authorization = new("Bearer", token);

        var body = await scraper.GetStringAsync("/metrics");

        (await MetricsScrapeTests.PromtoolCheckAsync(promtool, body)).Should().Be("", "promtool check metrics reports nothing on a clean exposition");
        body.Should().MatchRegex(new Regex(@"^recoveryassist_hosts(\{[^}]*\})? 1\b", RegexOptions.Multiline));
        body.Should().MatchRegex(new Regex(@"^recoveryassist_reveals_total(\{[^}]*\})? 1\b", RegexOptions.Multiline));
        body.Should().NotContain(ImportedKey.Reveal()).And.NotContain(token);
    }

    public void Dispose()
    {
        foreach (var cli in _clis)
            cli.Dispose();
    }
}
