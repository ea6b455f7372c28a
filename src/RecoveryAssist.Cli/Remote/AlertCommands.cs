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
        return alert;
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
