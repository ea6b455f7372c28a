using System.Text;
using RecoveryAssist.EndToEnd.Tests.HostOps;
using RecoveryAssist.Server.Features.Alerts;

namespace RecoveryAssist.EndToEnd.Tests.Alerts;

/// <summary><c>recoveryassist alert ...</c> as a process against the appliance, as the README shows it.</summary>
public sealed class AlertCliTests : IAsyncLifetime
{
    private HostOpsAppliance _appliance = null!;

    public async Task InitializeAsync() => _appliance = await HostOpsAppliance.StartAsync();

    public async Task DisposeAsync() => await _appliance.DisposeAsync();

    private async Task<CliResult> RunAsync(string role, params string[] args)
    {
        using var cli = new CliProcess(_appliance.Address, _appliance.CreateToken(role));
        return await cli.RunAsync(args);
    }

    [Fact]
    public async Task ListAckResolve_TechnicianWorksAnAlertThrough()
    {
        var alert = _appliance.Alerts.Raise(AlertKind.BackupFailed, Guid.NewGuid(), "esx-cli", null, "backup.sh 0 exited 1");

        var open = await RunAsync("technician", "alert", "list", "--state", "open", "--kind", "backupFailed");
        var noNote = await RunAsync("technician", "alert", "ack", alert.Id.ToString());
        var ack = await RunAsync("technician", "alert", "ack", alert.Id.ToString(), "--note", "on it, ticket CHG-12");
        var resolve = await RunAsync("technician", "alert", "resolve", alert.Id.ToString(), "--note", "saved by hand");
        var again = await RunAsync("technician", "alert", "resolve", alert.Id.ToString(), "--note", "twice");

        open.ExitCode.Should().Be(0, open.ToString());
        open.Json.EnumerateArray().Select(a => a.GetProperty("id").GetGuid()).Should().Equal(alert.Id);
        noNote.ExitCode.Should().NotBe(0, "a note is required");
        ack.ExitCode.Should().Be(0, ack.ToString());
        ack.Json.GetProperty("state").GetString().Should().Be("acknowledged");
        resolve.Json.GetProperty("state").GetString().Should().Be("resolved");
        again.ExitCode.Should().Be(2, again.ToString());
        again.Error.Should().Contain("already resolved");
    }

    [Fact]
    public async Task ChannelAddTestListRemove_SyslogOverUnixSocketAndWebhookSecretFromFile()
    {
        using var syslog = new SyslogReceiver();
        var keyFile = Path.Combine(Path.GetTempPath(), "hmac-" + Guid.NewGuid().ToString("N"));
        await File.WriteAllTextAsync(keyFile, "whsec-cli-7d1e\n");
        try
        {
            var addSyslog = await RunAsync("admin", "alert", "channel", "add", "local-syslog", "--type", "syslog", "--syslog-target", "unix:" + syslog.UnixPath,
                "--kind", "backupFailed", "--kind", "keyDrift");
            var addHook = await RunAsync("admin", "alert", "channel", "add", "pager", "--type", "webhook", "--url", "http://127.0.0.1:9/alerts",
                "--min-severity", "critical", "--secret-file", keyFile);
            var test = await RunAsync("admin", "alert", "channel", "test", "local-syslog");
            var received = Encoding.UTF8.GetString(await SyslogReceiver.ReceiveAsync(syslog.Unix));
            var failing = await RunAsync("admin", "alert", "channel", "test", "pager");
            var list = await RunAsync("admin", "alert", "channel", "list");
            var technician = await RunAsync("technician", "alert", "channel", "list");
            var remove = await RunAsync("admin", "alert", "channel", "remove", "pager");

            addSyslog.ExitCode.Should().Be(0, addSyslog.ToString());
            addHook.ExitCode.Should().Be(0, addHook.ToString());
            addHook.Output.Should().NotContain("whsec-cli-7d1e");
            test.ExitCode.Should().Be(0, test.ToString());
            received.Should().Contain("event=\"test\"");
            failing.ExitCode.Should().Be(2, failing.ToString());
            failing.Error.Should().Contain("not delivered: webhook:");
            list.Output.Should().NotContain("whsec-cli-7d1e");
            list.Json.EnumerateArray().Single(c => c.GetProperty("name").GetString() == "pager").GetProperty("hasSecret").GetBoolean().Should().BeTrue();
            list.Json.EnumerateArray().Single(c => c.GetProperty("name").GetString() == "pager").GetProperty("lastError").GetString().Should().StartWith("webhook:");
            technician.ExitCode.Should().NotBe(0, "channels are for admins");
            remove.ExitCode.Should().Be(0, remove.ToString());
        }
        finally
        {
            File.Delete(keyFile);
        }
    }
}
