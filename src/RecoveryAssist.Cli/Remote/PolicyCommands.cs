using System.CommandLine;
using System.Text.Json;

namespace RecoveryAssist.Cli.Remote;

/// <summary>
/// <c>recoveryassist policy show|set|apply|report|desired</c>: a host's TPM policy, changing it in the order
/// ESXi requires (a job), the fleet's compliance report, and desired policies per host, tag or default.
/// </summary>
internal static class PolicyCommands
{
    public static Command Build(CliConsole console)
    {
        var policy = new Command("policy", "TPM policy: Mode, Require Secure Boot, Require Executables Only From Installed VIBs.");
        policy.Add(Show(console));
        policy.Add(Set(console));
        policy.Add(Apply(console));
        policy.Add(Report(console));
        policy.Add(Desired(console));
        return policy;
    }

    private static Command Show(CliConsole console)
    {
        var host = new Argument<string>("HOST") { Description = "Host name." };
        var command = new Command("show", "What the host reported, its desired policy, what it needs next, and what 'policy apply' would do (JSON).") { host };
        command.SetAction((result, _) => RemoteCommands.Run(console, async () =>
        {
            using var client = RemoteSettings.Client(result);
            RemoteCommands.Print(console, await client.GetAsync($"/api/hosts/{await HostIdAsync(client, result.GetValue(host)!).ConfigureAwait(false)}/policy").ConfigureAwait(false));
        }));
        return command;
    }

    private static Option<string?> OnOff(string name, string what) => new Option<string?>(name) { Description = $"on or off: {what}." }.AcceptOnlyFromAmong("on", "off");

    /// <summary>The confirmations and the admin's force, common to set and apply.</summary>
    private sealed class ChangeOptions
    {
        public Option<bool> ConfirmIrreversible { get; } = new("--confirm-irreversible") { Description = "Mode TPM cannot be undone: say you know." };

        public Option<bool> TpmEnabled { get; } = new("--tpm-enabled-in-firmware") { Description = "Mode TPM: you checked that the TPM 2.0 is enabled in the host's firmware." };

        public Option<bool> AcceptTpmRisk { get; } = new("--accept-tpm-risk") { Description = "Mode TPM: try although this TPM is known to fail on this ESXi release." };

        public Option<bool> Force { get; } = new("--force") { Description = "Admins: change a host whose key is not escrowed and recently verified (audited; needs --reason)." };

        public Option<string?> Reason { get; } = new("--reason") { Description = "Why the change is forced." };

        public Option<bool> Wait { get; } = HostOpsCommands.Wait();

        public void AddTo(Command command)
        {
            command.Add(ConfirmIrreversible);
            command.Add(TpmEnabled);
            command.Add(AcceptTpmRisk);
            command.Add(Force);
            command.Add(Reason);
            command.Add(Wait);
        }

        public Dictionary<string, object?> Body(ParseResult result) => new()
        {
            ["confirmIrreversible"] = result.GetValue(ConfirmIrreversible),
            ["tpmEnabledInFirmware"] = result.GetValue(TpmEnabled),
            ["acceptKnownTpmIssue"] = result.GetValue(AcceptTpmRisk),
            ["force"] = result.GetValue(Force),
            ["reason"] = result.GetValue(Reason),
        };
    }

    private static Command Set(CliConsole console)
    {
        var host = new Argument<string>("HOST") { Description = "Host name." };
        var mode = new Option<string?>("--mode") { Description = "tpm: seal the configuration to the TPM (cannot be undone; needs --confirm-irreversible --tpm-enabled-in-firmware)." }
            .AcceptOnlyFromAmong("tpm");
        var secureBoot = OnOff("--require-secure-boot", "Require Secure Boot (on needs UEFI Secure Boot on in the firmware; the job waits for it)");
        var exec = OnOff("--require-exec-installed-only", "Require Executables Only From Installed VIBs (on needs Require Secure Boot; the job waits for a reboot)");
        var options = new ChangeOptions();
        var command = new Command("set", "Change a host's TPM policy now, in ESXi's order, as a job.") { host, mode, secureBoot, exec };
        options.AddTo(command);
        command.SetAction((result, _) => RemoteCommands.Run(console, async () =>
        {
            using var client = RemoteSettings.Client(result);
            var body = options.Body(result);
            body["mode"] = result.GetValue(mode);
            body["requireSecureBoot"] = Flag(result.GetValue(secureBoot));
            body["requireExecInstalledOnly"] = Flag(result.GetValue(exec));
            await StartAsync(console, client, $"/api/hosts/{await HostIdAsync(client, result.GetValue(host)!).ConfigureAwait(false)}/policy", body, result.GetValue(options.Wait)).ConfigureAwait(false);
        }));
        return command;
    }

    private static Command Apply(CliConsole console)
    {
        var host = new Argument<string>("HOST") { Description = "Host name." };
        var options = new ChangeOptions();
        var command = new Command("apply", "Bring a host to its desired policy (host, then tag, then default), as a job.") { host };
        options.AddTo(command);
        command.SetAction((result, _) => RemoteCommands.Run(console, async () =>
        {
            using var client = RemoteSettings.Client(result);
            await StartAsync(console, client, $"/api/hosts/{await HostIdAsync(client, result.GetValue(host)!).ConfigureAwait(false)}/policy/apply", options.Body(result), result.GetValue(options.Wait)).ConfigureAwait(false);
        }));
        return command;
    }

    /// <summary>Asks for the change, prints the warnings on stderr, and prints the answer, or with --wait follows the job it started.</summary>
    private static async Task StartAsync(CliConsole console, ApiClient client, string path, Dictionary<string, object?> body, bool wait)
    {
        var answer = await client.PostAsync(path, body).ConfigureAwait(false);
        foreach (var warning in answer.GetProperty("warnings").EnumerateArray())
            await console.Error.WriteLineAsync("warning: " + warning.GetString()).ConfigureAwait(false);
        if (answer.GetProperty("job").ValueKind == JsonValueKind.Null || !wait)
        {
            RemoteCommands.Print(console, answer);
            return;
        }
        await HostOpsCommands.FollowAsync(console, client, answer.GetProperty("job").GetProperty("id").GetString()!).ConfigureAwait(false);
    }

    private static Command Report(CliConsole console)
    {
        var format = new Option<string>("--format") { Description = "json (default) or csv.", DefaultValueFactory = _ => "json" }.AcceptOnlyFromAmong("json", "csv");
        var tag = new Option<string?>("--tag") { Description = "Only hosts with this tag." };
        var command = new Command("report", "Compliance: hosts in Mode NONE, not enforcing Secure Boot or execInstalledOnly, without a verified escrowed key; each with its next step.") { format, tag };
        command.SetAction((result, _) => RemoteCommands.Run(console, async () =>
        {
            using var client = RemoteSettings.Client(result);
            var query = "?format=" + result.GetValue(format) + (result.GetValue(tag) is { } t ? "&tag=" + Uri.EscapeDataString(t) : "");
            if (result.GetValue(format) == "csv")
                await console.Output.WriteAsync(await client.GetTextAsync("/api/reports/policy" + query).ConfigureAwait(false)).ConfigureAwait(false);
            else
                RemoteCommands.Print(console, await client.GetAsync("/api/reports/policy" + query).ConfigureAwait(false));
        }));
        return command;
    }

    private static Command Desired(CliConsole console)
    {
        var desired = new Command("desired", "Desired policies: per host, per tag, and the fleet default (host wins over tag, tag over default).");

        var show = new Command("show", "Every desired policy (JSON).");
        show.SetAction((result, _) => RemoteCommands.Run(console, async () =>
        {
            using var client = RemoteSettings.Client(result);
            RemoteCommands.Print(console, await client.GetAsync("/api/policy/desired").ConfigureAwait(false));
        }));
        desired.Add(show);

        var scope = new ScopeOptions();
        var mode = new Option<string?>("--mode") { Description = "tpm (required), none (not required: a host without a usable TPM) or inherit." }.AcceptOnlyFromAmong("tpm", "none", "inherit");
        var secureBoot = new Option<string?>("--require-secure-boot") { Description = "on, off or inherit." }.AcceptOnlyFromAmong("on", "off", "inherit");
        var exec = new Option<string?>("--require-exec-installed-only") { Description = "on, off or inherit." }.AcceptOnlyFromAmong("on", "off", "inherit");
        var set = new Command("set", "Set the desired policy of a host, a tag or the default; fields not given inherit.") { mode, secureBoot, exec };
        scope.AddTo(set);
        set.SetAction((result, _) => RemoteCommands.Run(console, async () =>
        {
            using var client = RemoteSettings.Client(result);
            var body = new
            {
                mode = result.GetValue(mode) is "inherit" ? null : result.GetValue(mode),
                requireSecureBoot = Flag(result.GetValue(secureBoot)),
                requireExecInstalledOnly = Flag(result.GetValue(exec)),
            };
            RemoteCommands.Print(console, await client.PutAsync(await scope.PathAsync(client, result).ConfigureAwait(false), body).ConfigureAwait(false));
        }));
        desired.Add(set);

        var clearScope = new ScopeOptions();
        var clear = new Command("clear", "Remove the desired policy of a host, a tag or the default (it then inherits).");
        clearScope.AddTo(clear);
        clear.SetAction((result, _) => RemoteCommands.Run(console, async () =>
        {
            using var client = RemoteSettings.Client(result);
            await client.DeleteAsync(await clearScope.PathAsync(client, result).ConfigureAwait(false)).ConfigureAwait(false);
            await console.Output.WriteLineAsync("removed").ConfigureAwait(false);
        }));
        desired.Add(clear);
        return desired;
    }

    private sealed class ScopeOptions
    {
        private readonly Option<string?> _host = new("--host") { Description = "A host (by name)." };
        private readonly Option<string?> _tag = new("--tag") { Description = "Every host with this tag." };
        private readonly Option<bool> _default = new("--default") { Description = "The whole fleet." };

        public void AddTo(Command command)
        {
            command.Add(_host);
            command.Add(_tag);
            command.Add(_default);
        }

        public async Task<string> PathAsync(ApiClient client, ParseResult result)
        {
            var (host, tag, fleet) = (result.GetValue(_host), result.GetValue(_tag), result.GetValue(_default));
            if ((host is not null ? 1 : 0) + (tag is not null ? 1 : 0) + (fleet ? 1 : 0) != 1)
                throw new ApiException(ExitCodes.InvalidInput, "give exactly one of --host, --tag or --default");
            return host is not null ? $"/api/hosts/{await HostIdAsync(client, host).ConfigureAwait(false)}/policy/desired"
                : tag is not null ? "/api/policy/desired/tags/" + Uri.EscapeDataString(tag)
                : "/api/policy/desired/default";
        }
    }

    private static bool? Flag(string? value) => value switch
    {
        "on" => true,
        "off" => false,
        _ => null,
    };

    private static async Task<string> HostIdAsync(ApiClient client, string name) =>
        (await RemoteCommands.FindHostAsync(client, name).ConfigureAwait(false)).GetProperty("id").GetString()!;
}
