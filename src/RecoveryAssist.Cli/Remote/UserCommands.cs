using System.CommandLine;

namespace RecoveryAssist.Cli.Remote;

/// <summary>
/// <c>recoveryassist user add|list|role|disable|enable|unlock|reset-password</c> (admins) and
/// <c>token create|list|revoke</c> (one's own API tokens, e.g. for automation).
/// </summary>
internal static class UserCommands
{
    private const string Roles = "admin, technician, operator, automation or auditor";

    public static Command User(CliConsole console)
    {
        var user = new Command("user", $"Manage accounts (admins). Roles: {Roles}.");

        var name = new Argument<string>("NAME") { Description = "User name." };
        var role = new Option<string>("--role") { Description = $"The role: {Roles}.", Required = true };
        var add = new Command("add", "Create a user; prints a one-time password (shown once) that must be changed at first sign-in.") { name, role };
        add.SetAction((result, _) => RemoteCommands.Run(console, async () =>
        {
            using var client = RemoteSettings.Client(result);
            RemoteCommands.Print(console, await client.PostAsync("/api/users", new { userName = result.GetValue(name), role = result.GetValue(role) }).ConfigureAwait(false));
        }));
        user.Add(add);

        var list = new Command("list", "List users (JSON): role, locked, disabled, must change password.");
        list.SetAction((result, _) => RemoteCommands.Run(console, async () =>
        {
            using var client = RemoteSettings.Client(result);
            RemoteCommands.Print(console, await client.GetAsync("/api/users").ConfigureAwait(false));
        }));
        user.Add(list);

        var roleName = new Argument<string>("NAME") { Description = "User name." };
        var newRole = new Argument<string>("ROLE") { Description = $"The new role: {Roles}." };
        var setRole = new Command("role", "Change a user's role (their sessions end; not your own).") { roleName, newRole };
        setRole.SetAction((result, _) => RemoteCommands.Run(console, async () =>
        {
            using var client = RemoteSettings.Client(result);
            RemoteCommands.Print(console, await client.PutAsync(UserPath(result.GetValue(roleName)!, "role"), new { role = result.GetValue(newRole) }).ConfigureAwait(false));
        }));
        user.Add(setRole);

        user.Add(Action(console, "disable", "lock", "Disable (lock) a user: their sessions end, sign-in and their API tokens stop working.", false));
        user.Add(Action(console, "enable", "unlock", "Enable (unlock) a disabled user again.", false));
        user.Add(Action(console, "unlock", "unlock", "The same as enable: lift a lock and forget the sign-in back-off.", false));
        user.Add(Action(console, "reset-password", "reset-password", "Replace a user's password with a one-time password (shown once, changed at next sign-in).", true));
        user.Add(Action(console, "reset-totp", "totp/reset", "Remove a user's TOTP second factor (a lost phone; not your own): their sessions end, they enrol again.", false));
        return user;
    }

    /// <summary><c>recoveryassist totp enrol|confirm|disable</c>: your own TOTP second factor, with the token of 'login'.</summary>
    public static Command Totp(CliConsole console)
    {
        var totp = new Command("totp", "Your TOTP second factor (an authenticator app): enrol, confirm with a first code, or disable.");

        var enrol = new Command("enrol", "Make a new secret: prints it (base32) and its otpauth:// URI once, for your authenticator app; then confirm.");
        enrol.SetAction((result, _) => RemoteCommands.Run(console, async () =>
        {
            using var client = RemoteSettings.Client(result);
            var answer = await client.PostAsync("/api/auth/totp/enrol", null).ConfigureAwait(false);
            await console.Output.WriteLineAsync("secret: " + answer.GetProperty("secret").GetString()).ConfigureAwait(false);
            await console.Output.WriteLineAsync("uri:    " + answer.GetProperty("uri").GetString()).ConfigureAwait(false);
            await console.Output.WriteLineAsync("add it to your authenticator app, then: recoveryassist totp confirm CODE").ConfigureAwait(false);
        }));
        totp.Add(enrol);

        totp.Add(CodeCommand(console, "confirm", "Turn the second factor on with the app's current code.", "second factor on: sign-in now asks for a code",
            (client, code) => client.PostAsync("/api/auth/totp/confirm", new { code })));
        totp.Add(CodeCommand(console, "disable", "Turn your second factor off (needs a current code).", "second factor off",
            (client, code) => client.DeleteAsync("/api/auth/totp", new { code })));
        return totp;
    }

    private static Command CodeCommand(CliConsole console, string name, string description, string done, Func<ApiClient, string, Task<System.Text.Json.JsonElement>> send)
    {
        var code = new Argument<string>("CODE") { Description = "The 6-digit code your authenticator app shows now." };
        var command = new Command(name, description) { code };
        command.SetAction((result, _) => RemoteCommands.Run(console, async () =>
        {
            using var client = RemoteSettings.Client(result);
            await send(client, result.GetValue(code)!).ConfigureAwait(false);
            await console.Output.WriteLineAsync(done).ConfigureAwait(false);
        }));
        return command;
    }

    /// <summary>POST /api/users/NAME/ENDPOINT; prints the answer when there is one.</summary>
    private static Command Action(CliConsole console, string action, string endpoint, string description, bool printsAnswer)
    {
        var name = new Argument<string>("NAME") { Description = "User name." };
        var command = new Command(action, description) { name };
        command.SetAction((result, _) => RemoteCommands.Run(console, async () =>
        {
            using var client = RemoteSettings.Client(result);
            var answer = await client.PostAsync(UserPath(result.GetValue(name)!, endpoint), null).ConfigureAwait(false);
            if (printsAnswer)
                RemoteCommands.Print(console, answer);
            else
                await console.Output.WriteLineAsync($"{action}: done").ConfigureAwait(false);
        }));
        return command;
    }

    private static string UserPath(string userName, string action) => $"/api/users/{Uri.EscapeDataString(userName)}/{action}";

    public static Command Token(CliConsole console)
    {
        var token = new Command("token", "Your own API tokens (for automation: RECOVERYASSIST_TOKEN).");

        var name = new Argument<string>("NAME") { Description = "What the token is for (1 to 64 characters)." };
        var scopes = new Option<string[]>("--scope") { Description = "Narrow the token to a permission, e.g. hosts:read (repeat for several; default: all you hold now)." };
        var days = new Option<int?>("--expires-days") { Description = "Expire after this many days (1 to 3650; default: never)." };
        var create = new Command("create", "Create a token; it is printed once and stored only hashed.") { name, scopes, days };
        create.SetAction((result, _) => RemoteCommands.Run(console, async () =>
        {
            using var client = RemoteSettings.Client(result);
            var given = result.GetValue(scopes);
            RemoteCommands.Print(console, await client.PostAsync("/api/tokens", new
            {
                name = result.GetValue(name),
                scopes = given is { Length: > 0 } ? given : null,
                expiresInDays = result.GetValue(days),
            }).ConfigureAwait(false));
        }));
        token.Add(create);

        var list = new Command("list", "List your tokens (JSON; never the tokens themselves).");
        list.SetAction((result, _) => RemoteCommands.Run(console, async () =>
        {
            using var client = RemoteSettings.Client(result);
            RemoteCommands.Print(console, await client.GetAsync("/api/auth/tokens").ConfigureAwait(false));
        }));
        token.Add(list);

        var id = new Argument<Guid>("ID") { Description = "The token's id (token list)." };
        var revoke = new Command("revoke", "Revoke one of your tokens at once.") { id };
        revoke.SetAction((result, _) => RemoteCommands.Run(console, async () =>
        {
            using var client = RemoteSettings.Client(result);
            await client.DeleteAsync($"/api/auth/tokens/{result.GetValue(id)}").ConfigureAwait(false);
            await console.Output.WriteLineAsync("revoked").ConfigureAwait(false);
        }));
        token.Add(revoke);
        return token;
    }
}
