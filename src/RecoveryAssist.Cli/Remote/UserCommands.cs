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
        return user;
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
