using System.CommandLine;
using System.Text.Json;

namespace RecoveryAssist.Cli.Remote;

/// <summary>Commands against a running appliance: login, passwd, host, import, coverage, recover, session, collect, rotate, job, policy, alert.</summary>
internal static class RemoteCommands
{
    public static IEnumerable<Command> Build(CliConsole console)
    {
        yield return Login(console);
        yield return Passwd(console);
        yield return UserCommands.User(console);
        yield return UserCommands.Token(console);
        yield return UserCommands.Totp(console);
        yield return Host(console);
        yield return Import(console);
        yield return Coverage(console);
        yield return SessionCommands.Recover(console);
        yield return SessionCommands.Session(console);
        yield return ImageCommands.Build(console);
        foreach (var command in HostOpsCommands.Build(console))
            yield return command;
        yield return PolicyCommands.Build(console);
        yield return AlertCommands.Build(console);
    }

    private static Command Login(CliConsole console)
    {
        var user = new Option<string>("--user") { Description = "User name.", Required = true };
        var command = new Command("login", "Sign in (password, then the authenticator code when the account has one: lines on stdin, or prompted) and keep a token for a working day.") { user };
        command.SetAction((result, _) => Run(console, async () =>
        {
            var password = Secrets.ReadPassword(console, "password: ");
            using var client = RemoteSettings.Client(result, authenticated: false);
            JsonElement token;
            try
            {
                token = await client.PostAsync("/api/auth/token", new { userName = result.GetValue(user), password, name = "cli login" }).ConfigureAwait(false);
            }
            catch (ApiException e) when (e.Problem == RecoveryAssist.Server.Features.Auth.UserService.TotpRequired)
            {
                // The password was right and the account has a second factor: ask for its code and sign in again.
                var code = Secrets.ReadPassword(console, "authenticator code: ");
                token = await client.PostAsync("/api/auth/token", new { userName = result.GetValue(user), password, name = "cli login", totpCode = code }).ConfigureAwait(false);
            }
            RemoteSettings.SaveToken(token.GetProperty("token").GetString()!);
            await console.Output.WriteLineAsync($"signed in; token saved in {RemoteSettings.TokenFile} until {token.GetProperty("expires")}").ConfigureAwait(false);
        }));
        return command;
    }

    private static Command Passwd(CliConsole console)
    {
        var user = new Option<string?>("--user") { Description = "The user whose password to change; needed before the first login (a one-time password). Without it: your own, with the token of 'login'." };
        var command = new Command("passwd", "Change a password (current, new and new again: lines on stdin, or prompted). First run: passwd --user admin, then login.") { user };
        command.SetAction((result, _) => Run(console, async () =>
        {
            var name = result.GetValue(user);
            if (name is null && RemoteSettings.Token() is null)
                throw new ApiException(ExitCodes.InvalidInput, "name the user: recoveryassist passwd --user NAME (not signed in; on first run: --user admin)");
            var current = Secrets.ReadPassword(console, "current password: ");
            var replacement = Secrets.ReadPassword(console, "new password: ");
            if (Secrets.ReadPassword(console, "new password again: ") != replacement)
                throw new ApiException(ExitCodes.InvalidInput, "the two new passwords differ");
            // With --user: sign in with the current password (a cookie and its CSRF token), which a one-time password allows; else the saved token.
            using var client = RemoteSettings.Client(result, authenticated: name is null);
            if (name is not null)
            {
                var signedIn = await client.PostAsync("/api/auth/signin", new { userName = name, password = current }).ConfigureAwait(false);
                client.UseCsrfToken(signedIn.GetProperty("csrfToken").GetString()!);
            }
            await client.PostAsync("/api/auth/password", new { currentPassword = current, newPassword = replacement }).ConfigureAwait(false);
            await console.Output.WriteLineAsync(name is null ? "password changed" : "password changed; now: recoveryassist login --user " + name).ConfigureAwait(false);
        }));
        return command;
    }

    private static Command Host(CliConsole console)
    {
        var host = new Command("host", "Add, list and show hosts; set SSH access and re-pin host keys.");

        var name = new Argument<string>("NAME") { Description = "Host name (FQDN)." };
        var address = new Option<string?>("--address") { Description = "Management address." };
        var serial = new Option<string?>("--serial") { Description = "System serial number." };
        var uuid = new Option<string?>("--uuid") { Description = "SMBIOS system UUID." };
        var macs = new Option<string[]>("--mac") { Description = "A MAC address (repeat for several).", AllowMultipleArgumentsPerToken = false };
        var kernelOpt = new Option<string?>("--kernelopt") { Description = "The host's boot options (boot.cfg kernelopt)." };
        var tags = new Option<string[]>("--tag") { Description = "A tag (repeat for several)." };
        var add = new Command("add", "Enrol a host.") { name, address, serial, uuid, macs, kernelOpt, tags };
        add.SetAction((result, _) => Run(console, async () =>
        {
            using var client = RemoteSettings.Client(result);
            Print(console, await client.PostAsync("/api/hosts", new
            {
                name = result.GetValue(name),
                managementAddress = result.GetValue(address),
                serial = result.GetValue(serial),
                smbiosUuid = result.GetValue(uuid),
                macAddresses = result.GetValue(macs) ?? [],
                kernelOpt = result.GetValue(kernelOpt),
                tags = result.GetValue(tags) ?? [],
            }).ConfigureAwait(false));
        }));
        host.Add(add);

        var tag = new Option<string?>("--tag") { Description = "Only hosts with this tag." };
        var list = new Command("list", "List hosts (JSON).") { tag };
        list.SetAction((result, _) => Run(console, async () =>
        {
            using var client = RemoteSettings.Client(result);
            var query = result.GetValue(tag) is { } t ? "?take=1000&tag=" + Uri.EscapeDataString(t) : "?take=1000";
            Print(console, await client.GetAsync("/api/hosts/" + query).ConfigureAwait(false));
        }));
        host.Add(list);

        var showName = new Argument<string>("NAME") { Description = "Host name." };
        var show = new Command("show", "Show a host and its key versions (metadata only).") { showName };
        show.SetAction((result, _) => Run(console, async () =>
        {
            using var client = RemoteSettings.Client(result);
            var found = await FindHostAsync(client, result.GetValue(showName)!).ConfigureAwait(false);
            var keys = await client.GetAsync($"/api/hosts/{found.GetProperty("id").GetString()}/keys").ConfigureAwait(false);
            Print(console, new { host = found, keys });
        }));
        host.Add(show);

        var sshName = new Argument<string>("NAME") { Description = "Host name." };
        var sshUser = new Option<string?>("--user") { Description = "SSH user (default root)." };
        var sshPort = new Option<int?>("--port") { Description = "SSH port (default 22)." };
        var sshAddress = new Option<string?>("--address") { Description = "Address to connect to (default: the management address, then the name)." };
        var keyFile = new Option<string?>("--key-file") { Description = "Private key file; without it the password is read from stdin (or prompted)." };
        var ssh = new Command("ssh", "Set how the appliance reaches a host over SSH; the credential is sealed at rest.") { sshName, sshUser, sshPort, sshAddress, keyFile };
        ssh.SetAction((result, _) => Run(console, async () =>
        {
            using var client = RemoteSettings.Client(result);
            var found = await FindHostAsync(client, result.GetValue(sshName)!).ConfigureAwait(false);
            var file = result.GetValue(keyFile);
            var privateKey = file is null ? null : await File.ReadAllTextAsync(file).ConfigureAwait(false);
            var password = file is null ? Secrets.ReadPassword(console, "SSH password: ") : null;
            Print(console, await client.PutAsync($"/api/hosts/{found.GetProperty("id").GetString()}/ssh", new
            {
                userName = result.GetValue(sshUser),
                port = result.GetValue(sshPort),
                address = result.GetValue(sshAddress),
                password,
                privateKey,
            }).ConfigureAwait(false));
        }));
        host.Add(ssh);

        var repinName = new Argument<string>("NAME") { Description = "Host name." };
        var fingerprint = new Option<string?>("--fingerprint") { Description = "Pin this key (SHA256:... as ssh-keygen -lf prints it); without it the pin is cleared and the next contact records the key." };
        var repin = new Command("repin", "After a host's SSH key legitimately changed (reinstall): pin its new key (audited, admins).") { repinName, fingerprint };
        repin.SetAction((result, _) => Run(console, async () =>
        {
            using var client = RemoteSettings.Client(result);
            var found = await FindHostAsync(client, result.GetValue(repinName)!).ConfigureAwait(false);
            Print(console, await client.PostAsync($"/api/hosts/{found.GetProperty("id").GetString()}/ssh/repin", new { fingerprint = result.GetValue(fingerprint) }).ConfigureAwait(false));
        }));
        host.Add(repin);
        return host;
    }

    private static Command Import(CliConsole console)
    {
        var file = Offline.CommonOptions.InputFile();
        var hostName = new Option<string?>("--host") { Description = "The host whose 'recovery list' output FILE is; without it FILE is a PowerCLI CSV export naming its hosts." };
        var format = new Option<string?>("--format") { Description = "auto (default), table, csv, keyvalue or xml." };
        var command = new Command("import", "Escrow keys from esxcli output or a PowerCLI export.") { file, hostName, format };
        command.SetAction((result, _) => Run(console, async () =>
        {
            var text = console.ReadAllInput(result.GetValue(file));
            using var client = RemoteSettings.Client(result);
            if (result.GetValue(hostName) is { } name)
            {
                var host = await FindHostAsync(client, name).ConfigureAwait(false);
                Print(console, await client.PostAsync($"/api/hosts/{host.GetProperty("id").GetString()}/import", new { output = text, format = result.GetValue(format) }).ConfigureAwait(false));
                return;
            }
            var response = await client.PostTextAsync("/api/import/powercli", text, "text/csv").ConfigureAwait(false);
            Print(console, response);
            if (response.GetProperty("failed").GetInt32() > 0)
                throw new ApiException(ExitCodes.InvalidInput, $"{response.GetProperty("failed").GetInt32()} record(s) were not imported (see results)");
        }));
        return command;
    }

    private static Command Coverage(CliConsole console)
    {
        var command = new Command("coverage", "Hosts with no escrowed key, stale keys, and recent drift (JSON).");
        command.SetAction((result, _) => Run(console, async () =>
        {
            using var client = RemoteSettings.Client(result);
            Print(console, await client.GetAsync("/api/reports/coverage").ConfigureAwait(false));
        }));
        return command;
    }

    internal static async Task<JsonElement> FindHostAsync(ApiClient client, string name)
    {
        var found = await client.GetAsync("/api/hosts/find?name=" + Uri.EscapeDataString(name)).ConfigureAwait(false);
        return found.GetArrayLength() == 1 ? found[0] : throw new ApiException(ExitCodes.Failure, $"no host named '{name}'");
    }

    internal static void Print<T>(CliConsole console, T value) =>
        console.Output.WriteLine(JsonSerializer.Serialize(value, CliJson.Options));

    internal static async Task<int> Run(CliConsole console, Func<Task> action)
    {
        try
        {
            await action().ConfigureAwait(false);
            return ExitCodes.Success;
        }
        catch (ApiException e)
        {
            await console.Error.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
            return e.ExitCode;
        }
    }
}
