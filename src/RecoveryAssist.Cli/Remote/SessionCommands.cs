using System.CommandLine;
using System.Text;
using System.Text.Json;
using RecoveryAssist.Core.Keys;
using RecoveryAssist.Core.Qr;

namespace RecoveryAssist.Cli.Remote;

/// <summary>Recovery sessions from the command line: open, approve, show (with the QR code in the terminal), check, close, cancel.</summary>
internal static class SessionCommands
{
    public static Command Recover(CliConsole console)
    {
        var host = new Argument<string>("HOST") { Description = "The host to recover (name)." };
        var reason = new Option<string>("--reason") { Description = "tpm-cleared, tpm-failed, motherboard-replaced, disk-moved or other.", Required = true };
        var ticket = new Option<string>("--ticket") { Description = "The ticket or change reference.", Required = true };
        var path = new Option<string>("--path") { Description = "console (default) or network.", DefaultValueFactory = _ => "console" };
        var command = new Command("recover", "Open a recovery session for a host; a second person approves it.") { host, reason, ticket, path };
        command.SetAction((result, _) => RemoteCommands.Run(console, async () =>
        {
            using var client = RemoteSettings.Client(result);
            var session = await client.PostAsync("/api/sessions", new
            {
                host = result.GetValue(host),
                reason = result.GetValue(reason),
                ticket = result.GetValue(ticket),
                path = result.GetValue(path),
            }).ConfigureAwait(false);
            RemoteCommands.Print(console, session);
            var id = session.GetProperty("id").GetString();
            await console.Error.WriteLineAsync(session.GetProperty("state").GetString() == "opened"
                ? $"session {id} is awaiting approval: a second person runs 'recoveryassist session approve {id}'"
                : $"session {id} is approved: show it with 'recoveryassist session show {id} --qr'").ConfigureAwait(false);
        }));
        return command;
    }

    public static Command Session(CliConsole console)
    {
        var session = new Command("session", "Recovery sessions: list, show, approve, reveal, check, arm, disarm, close, cancel.");
        session.Add(Simple(console, "approve", "Approve a session (not your own).", id => $"/api/sessions/{id}/approve"));
        session.Add(Simple(console, "close", "Close a session whose host is up.", id => $"/api/sessions/{id}/close"));
        session.Add(Simple(console, "host-up", "Report that the host booted (when the appliance cannot see it).", id => $"/api/sessions/{id}/host-up"));
        session.Add(Cancel(console));
        session.Add(List(console));
        session.Add(Show(console));
        session.Add(Reveal(console));
        session.Add(Check(console));
        session.Add(Arm(console));
        session.Add(Disarm(console));
        return session;
    }

    private static Command Arm(CliConsole console)
    {
        var id = Id();
        var image = new Option<string?>("--image") { Description = "The ESXi image to boot (needed when several are registered)." };
        var mac = new Option<string?>("--mac") { Description = "Arm for this MAC (after a board swap: the new one, from the check-in list)." };
        var uuid = new Option<string?>("--uuid") { Description = "Arm for this SMBIOS UUID." };
        var serial = new Option<string?>("--serial") { Description = "Arm for this serial number." };
        var command = new Command("arm", "Arm an approved network-path session: the host's next PXE boot offers the network recovery boot once.") { id, image, mac, uuid, serial };
        command.SetAction((result, _) => RemoteCommands.Run(console, async () =>
        {
            using var client = RemoteSettings.Client(result);
            RemoteCommands.Print(console, await client.PostAsync($"/api/boot/sessions/{SessionId(result.GetValue(id)!)}/arm", new
            {
                image = result.GetValue(image),
                mac = result.GetValue(mac),
                uuid = result.GetValue(uuid),
                serial = result.GetValue(serial),
            }).ConfigureAwait(false));
        }));
        return command;
    }

    private static Command Disarm(CliConsole console)
    {
        var id = Id();
        var command = new Command("disarm", "Disarm a session before its boot.cfg is fetched: the one-time URL answers 410.") { id };
        command.SetAction((result, _) => RemoteCommands.Run(console, async () =>
        {
            using var client = RemoteSettings.Client(result);
            RemoteCommands.Print(console, await client.DeleteAsync($"/api/boot/sessions/{SessionId(result.GetValue(id)!)}/arm").ConfigureAwait(false));
        }));
        return command;
    }

    private static Argument<string> Id() => new("ID") { Description = "The session id." };

    private static Command Simple(CliConsole console, string name, string description, Func<string, string> path)
    {
        var id = Id();
        var command = new Command(name, description) { id };
        command.SetAction((result, _) => RemoteCommands.Run(console, async () =>
        {
            using var client = RemoteSettings.Client(result);
            RemoteCommands.Print(console, await client.PostAsync(path(SessionId(result.GetValue(id)!)), new { }).ConfigureAwait(false));
        }));
        return command;
    }

    private static Command Cancel(CliConsole console)
    {
        var id = Id();
        var reason = new Option<string?>("--reason") { Description = "Why the session is given up." };
        var command = new Command("cancel", "Cancel an open session.") { id, reason };
        command.SetAction((result, _) => RemoteCommands.Run(console, async () =>
        {
            using var client = RemoteSettings.Client(result);
            RemoteCommands.Print(console, await client.PostAsync($"/api/sessions/{SessionId(result.GetValue(id)!)}/cancel", new { reason = result.GetValue(reason) }).ConfigureAwait(false));
        }));
        return command;
    }

    private static Command List(CliConsole console)
    {
        var open = new Option<bool>("--open") { Description = "Only open sessions." };
        var command = new Command("list", "List sessions (JSON, newest first).") { open };
        command.SetAction((result, _) => RemoteCommands.Run(console, async () =>
        {
            using var client = RemoteSettings.Client(result);
            RemoteCommands.Print(console, await client.GetAsync("/api/sessions/?take=1000" + (result.GetValue(open) ? "&open=true" : "")).ConfigureAwait(false));
        }));
        return command;
    }

    private static Command Show(CliConsole console)
    {
        var id = Id();
        var qr = new Option<bool>("--qr") { Description = "Reveal the key (audited) and print it with its QR code." };
        var options = new QrCliOptions();
        var command = new Command("show", "Show a session (no key); with --qr, reveal the key and print the QR code in the terminal.") { id, qr };
        options.AddTo(command);
        command.SetAction((result, _) => RemoteCommands.Run(console, async () =>
        {
            using var client = RemoteSettings.Client(result);
            var sessionId = SessionId(result.GetValue(id)!);
            if (!result.GetValue(qr))
            {
                RemoteCommands.Print(console, await client.GetAsync($"/api/sessions/{sessionId}").ConfigureAwait(false));
                return;
            }
            var revealed = await client.PostAsync($"/api/sessions/{sessionId}/reveal", new { host = result.GetValue(options.Host) }).ConfigureAwait(false);
            await console.Output.WriteAsync(Describe(revealed)).ConfigureAwait(false);
            await console.Output.WriteAsync(RenderQr(revealed, options, result)).ConfigureAwait(false);
        }));
        return command;
    }

    private static Command Reveal(CliConsole console)
    {
        var id = Id();
        var host = new Option<string?>("--host") { Description = "The host you are at: refused if the session is for another one." };
        var json = new Option<bool>("--json") { Description = "Print the API's answer as JSON." };
        var command = new Command("reveal", "Reveal the key of an approved session (audited): identity, text to type, 16 groups.") { id, host, json };
        command.SetAction((result, _) => RemoteCommands.Run(console, async () =>
        {
            using var client = RemoteSettings.Client(result);
            var revealed = await client.PostAsync($"/api/sessions/{SessionId(result.GetValue(id)!)}/reveal", new { host = result.GetValue(host) }).ConfigureAwait(false);
            if (result.GetValue(json))
                RemoteCommands.Print(console, revealed);
            else
                await console.Output.WriteAsync(Describe(revealed)).ConfigureAwait(false);
        }));
        return command;
    }

    private static Command Check(CliConsole console)
    {
        var id = Id();
        var file = Offline.CommonOptions.InputFile();
        var command = new Command("check", "Check what was typed at the prompt (FILE or stdin): which groups differ, never the right digits.") { id, file };
        command.SetAction((result, _) => RemoteCommands.Run(console, async () =>
        {
            var typed = console.ReadAllInput(result.GetValue(file));
            using var client = RemoteSettings.Client(result);
            var answer = await client.PostAsync($"/api/sessions/{SessionId(result.GetValue(id)!)}/check", new { typed }).ConfigureAwait(false);
            if (answer.GetProperty("matches").GetBoolean())
            {
                var which = answer.TryGetProperty("matchedKey", out var matched) && matched.GetString() is { } name ? name : "the escrowed key";
                await console.Output.WriteLineAsync("every group matches " + which).ConfigureAwait(false);
                return;
            }
            var text = new StringBuilder("does not match:\n");
            foreach (var group in answer.GetProperty("groups").EnumerateArray().Where(g => g.GetProperty("status").GetString() != "ok"))
                text.Append("  group ").Append(group.GetProperty("number").GetInt32()).Append(": ").Append(group.GetProperty("problem").GetString()).Append('\n');
            foreach (var problem in answer.GetProperty("problems").EnumerateArray())
                text.Append("  ").Append(problem.GetString()).Append('\n');
            await console.Output.WriteAsync(text.ToString()).ConfigureAwait(false);
            throw new ApiException(ExitCodes.InvalidInput, "the typed key does not match the escrowed key");
        }));
        return command;
    }

    /// <summary>A readable reveal for a technician: identity first, so they can be sure of the machine.</summary>
    internal static string Describe(JsonElement revealed)
    {
        var host = revealed.GetProperty("host");
        var text = new StringBuilder();
        text.Append("host:           ").Append(host.GetProperty("name").GetString()).Append('\n');
        Optional(text, "serial:         ", host, "serial");
        Optional(text, "management:     ", host, "managementAddress");
        Optional(text, "smbios uuid:    ", host, "smbiosUuid");
        text.Append("recovery id:    ").Append(revealed.GetProperty("recoveryId").GetString()).Append('\n');
        text.Append("session:        ").Append(revealed.GetProperty("session").GetProperty("id").GetString())
            .Append(" (reveal ").Append(revealed.GetProperty("session").GetProperty("revealCount").GetInt32()).Append(")\n\n");
        text.Append("At the boot loader press Shift+O, keep the options, and type (one space first):\n");
        text.Append(revealed.GetProperty("textToType").GetString()).Append("\n\n");
        if (revealed.GetProperty("fullLine").GetString() is { } full)
            text.Append("The whole line then reads:\n").Append(full).Append("\n\n");
        text.Append("Groups:\n");
        foreach (var group in revealed.GetProperty("groups").EnumerateArray())
        {
            var number = group.GetProperty("number").GetInt32();
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"  {number,2}  {group.GetProperty("digits").GetString()}");
            text.Append(number % 4 == 0 ? "\n" : "");
        }
        foreach (var warning in revealed.GetProperty("warnings").EnumerateArray())
            text.Append("warning: ").Append(warning.GetString()).Append('\n');
        if (revealed.TryGetProperty("candidates", out var candidates))
        {
            foreach (var candidate in candidates.EnumerateArray())
            {
                text.Append("\nSecond candidate: ").Append(candidate.GetProperty("label").GetString()).Append('\n')
                    .Append("recovery id:    ").Append(candidate.GetProperty("recoveryId").GetString()).Append('\n')
                    .Append(candidate.GetProperty("textToType").GetString()).Append('\n');
            }
        }
        text.Append("\nSingle use: the key is rotated after recovery.\n");
        return text.ToString();
    }

    private static string RenderQr(JsonElement revealed, QrCliOptions options, ParseResult result)
    {
        var digits = string.Join('-', revealed.GetProperty("groups").EnumerateArray().Select(g => g.GetProperty("digits").GetString()));
        var key = RecoveryKey.Parse(digits, KeyCheck.Warn);
        var enter = result.GetValue(options.Enter)?.ToLowerInvariant() switch
        {
            null or "none" => QrEnter.None,
            "lf" => QrEnter.LineFeed,
            "cr" => QrEnter.CarriageReturn,
            var other => throw new ApiException(ExitCodes.InvalidInput, $"--enter: expected none, lf or cr, not '{other}'"),
        };
        var payloadOptions = new QrPayloadOptions(true, enter);
        var light = result.GetValue(options.LightTerminal);
        var text = new StringBuilder("\n");
        if (result.GetValue(options.Split))
        {
            foreach (var part in QrPayload.Split(key, payloadOptions))
            {
                text.Append(System.Globalization.CultureInfo.InvariantCulture, $"Code {part.Part} of 2 (scan in order):\n");
                text.Append(QrImage.HalfBlocks(part, light)).Append('\n');
            }
        }
        else
        {
            text.Append("Scan into the Shift+O prompt (types the text above").Append(enter == QrEnter.None ? "; then press Enter" : " and Enter").Append("):\n");
            text.Append(QrImage.HalfBlocks(QrPayload.Single(key, payloadOptions), light));
        }
        return text.ToString();
    }

    private static void Optional(StringBuilder text, string label, JsonElement host, string property)
    {
        if (host.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String)
            text.Append(label).Append(value.GetString()).Append('\n');
    }

    private static string SessionId(string text) =>
        Guid.TryParse(text.Trim(), out var id) ? id.ToString() : throw new ApiException(ExitCodes.InvalidInput, $"'{text}' is not a session id");

    private sealed class QrCliOptions
    {
        public Option<bool> Split { get; } = new("--split") { Description = "Two codes (groups 1-8, then 9-16) for scanners with a short buffer." };

        public Option<string?> Enter { get; } = new("--enter") { Description = "none (default), lf or cr: what the scanner types after the key." };

        public Option<bool> LightTerminal { get; } = new("--light") { Description = "Draw for a light terminal background (dark blocks for dark modules)." };

        public Option<string?> Host { get; } = new("--host") { Description = "The host you are at: refused if the session is for another one." };

        public void AddTo(Command command)
        {
            command.Add(Split);
            command.Add(Enter);
            command.Add(LightTerminal);
            command.Add(Host);
        }
    }
}
