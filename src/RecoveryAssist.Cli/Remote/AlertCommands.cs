using System.CommandLine;

namespace RecoveryAssist.Cli.Remote;

/// <summary><c>recoveryassist alert list|ack|resolve|channel</c>: the alerts and where they are sent.</summary>
internal static class AlertCommands
{
    public static Command Build(CliConsole console)
    {
        var alert = new Command("alert", "Alerts: list, acknowledge, resolve; notification channels.");
        alert.Add(List(console));
        alert.Add(Note(console, "ack", "Acknowledge an open alert: you are on it (it stays until resolved).", "ack"));
        alert.Add(Note(console, "resolve", "Resolve an alert (open or acknowledged): the condition is dealt with.", "resolve"));
        alert.Add(Channel(console));
        return alert;
    }

    private static Command Channel(CliConsole console)
    {
        var channel = new Command("channel", "Where alerts are sent (admins): webhook, email, syslog; routed by kind and severity.");
        var list = new Command("list", "List channels with their delivery health (JSON; never their secrets).");
        list.SetAction((result, _) => RemoteCommands.Run(console, async () =>
        {
            using var client = RemoteSettings.Client(result);
            RemoteCommands.Print(console, await client.GetAsync("/api/alert-channels").ConfigureAwait(false));
        }));
        channel.Add(list);
        channel.Add(Add(console));
        channel.Add(ByName(console, "remove", "Remove a channel (its queued notifications go with it).", async (client, id) =>
        {
            await client.DeleteAsync($"/api/alert-channels/{id}").ConfigureAwait(false);
            await console.Output.WriteLineAsync("removed").ConfigureAwait(false);
        }));
        channel.Add(ByName(console, "test", "Send a test notification now; exit 0 when it arrived, 2 when not (stderr says why).", async (client, id) =>
        {
            var outcome = await client.PostAsync($"/api/alert-channels/{id}/test", null).ConfigureAwait(false);
            RemoteCommands.Print(console, outcome);
            if (!outcome.GetProperty("delivered").GetBoolean())
                throw new ApiException(ExitCodes.Failure, "not delivered: " + outcome.GetProperty("error").GetString());
        }));
        return channel;
    }

    private static Command Add(CliConsole console)
    {
        var name = new Argument<string>("NAME") { Description = "The channel's name (letters, digits, '-', '_', '.')." };
        var type = new Option<string>("--type") { Description = "webhook, email or syslog.", Required = true };
        type.AcceptOnlyFromAmong("webhook", "email", "syslog");
        var minSeverity = new Option<string?>("--min-severity") { Description = "Send alerts of at least this severity: info, warning (default) or critical." };
        var kinds = new Option<string[]>("--kind") { Description = "Only these kinds (repeat; default: every kind), e.g. --kind backupFailed --kind keyDrift.", AllowMultipleArgumentsPerToken = false };
        var noResolved = new Option<bool>("--no-resolved") { Description = "Do not tell when an alert is acknowledged or resolved." };
        var url = new Option<string?>("--url") { Description = "webhook: the URL to POST to." };
        var smtpHost = new Option<string?>("--smtp-host") { Description = "email: the SMTP server." };
        var smtpPort = new Option<int?>("--smtp-port") { Description = "email: its port (default 587)." };
        var noStartTls = new Option<bool>("--no-starttls") { Description = "email: send without STARTTLS (only to a relay on this machine)." };
        var tlsSha256 = new Option<string?>("--tls-sha256") { Description = "email: trust the server's certificate by its SHA-256 fingerprint (a self-signed relay)." };
        var from = new Option<string?>("--from") { Description = "email: the sender address." };
        var to = new Option<string[]>("--to") { Description = "email: a recipient (repeat)." };
        var smtpUser = new Option<string?>("--smtp-user") { Description = "email: SMTP user name (the password is the secret)." };
        var syslog = new Option<string?>("--syslog-target") { Description = "syslog: udp://ADDRESS:PORT or unix:/dev/log." };
        var secretFile = new Option<string?>("--secret-file") { Description = "The webhook's signing key or the SMTP password, read from this file (never a flag)." };
        var secretStdin = new Option<bool>("--secret-stdin") { Description = "Read the secret from the first line of standard input." };
        var command = new Command("add", "Add a notification channel.")
        {
            name, type, minSeverity, kinds, noResolved, url, smtpHost, smtpPort, noStartTls, tlsSha256, from, to, smtpUser, syslog, secretFile, secretStdin,
        };
        command.SetAction((result, _) => RemoteCommands.Run(console, async () =>
        {
            string? secret = null;
            if (result.GetValue(secretFile) is { } file)
                secret = (await File.ReadAllTextAsync(file).ConfigureAwait(false)).Trim();
            else if (result.GetValue(secretStdin))
                secret = Secrets.ReadPassword(console, "secret: ");
            using var client = RemoteSettings.Client(result);
            var body = new
            {
                name = result.GetValue(name),
                type = result.GetValue(type),
                minSeverity = result.GetValue(minSeverity),
                kinds = result.GetValue(kinds) is { Length: > 0 } k ? k : null,
                sendResolved = !result.GetValue(noResolved),
                url = result.GetValue(url),
                smtpHost = result.GetValue(smtpHost),
                smtpPort = result.GetValue(smtpPort),
                startTls = !result.GetValue(noStartTls),
                tlsCertificateSha256 = result.GetValue(tlsSha256),
                from = result.GetValue(from),
                to = result.GetValue(to) is { Length: > 0 } t ? t : null,
                userName = result.GetValue(smtpUser),
                syslogTarget = result.GetValue(syslog),
                secret,
            };
            RemoteCommands.Print(console, await client.PostAsync("/api/alert-channels", body).ConfigureAwait(false));
        }));
        return command;
    }

    private static Command ByName(CliConsole console, string verb, string description, Func<ApiClient, string, Task> act)
    {
        var name = new Argument<string>("NAME") { Description = "The channel's name." };
        var command = new Command(verb, description) { name };
        command.SetAction((result, _) => RemoteCommands.Run(console, async () =>
        {
            using var client = RemoteSettings.Client(result);
            var wanted = result.GetValue(name)!;
            var channels = await client.GetAsync("/api/alert-channels").ConfigureAwait(false);
            var found = channels.EnumerateArray().FirstOrDefault(c => c.GetProperty("name").GetString() == wanted);
            if (found.ValueKind == System.Text.Json.JsonValueKind.Undefined)
                throw new ApiException(ExitCodes.InvalidInput, $"no alert channel named {wanted}");
            await act(client, found.GetProperty("id").GetString()!).ConfigureAwait(false);
        }));
        return command;
    }

    private static Command List(CliConsole console)
    {
        var state = new Option<string?>("--state") { Description = "open, acknowledged or resolved." };
        var kind = new Option<string?>("--kind") { Description = "Only this kind, e.g. backupFailed." };
        var host = new Option<string?>("--host") { Description = "Only this host's alerts (name)." };
        var take = new Option<int>("--take") { Description = "At most this many, latest activity first (default 50).", DefaultValueFactory = _ => 50 };
        var command = new Command("list", "List alerts (JSON, latest activity first).") { state, kind, host, take };
        command.SetAction((result, _) => RemoteCommands.Run(console, async () =>
        {
            using var client = RemoteSettings.Client(result);
            var query = $"?take={result.GetValue(take)}";
            if (result.GetValue(state) is { } s)
                query += "&state=" + Uri.EscapeDataString(s);
            if (result.GetValue(kind) is { } k)
                query += "&kind=" + Uri.EscapeDataString(k);
            if (result.GetValue(host) is { } name)
                query += "&host=" + (await RemoteCommands.FindHostAsync(client, name).ConfigureAwait(false)).GetProperty("id").GetString();
            RemoteCommands.Print(console, await client.GetAsync("/api/alerts/" + query).ConfigureAwait(false));
        }));
        return command;
    }

    private static Command Note(CliConsole console, string name, string description, string action)
    {
        var id = new Argument<Guid>("ID") { Description = "The alert id." };
        var note = new Option<string>("--note") { Description = "What you did or why (one line; required).", Required = true };
        var command = new Command(name, description) { id, note };
        command.SetAction((result, _) => RemoteCommands.Run(console, async () =>
        {
            using var client = RemoteSettings.Client(result);
            RemoteCommands.Print(console, await client.PostAsync($"/api/alerts/{result.GetValue(id)}/{action}", new { note = result.GetValue(note) }).ConfigureAwait(false));
        }));
        return command;
    }
}
