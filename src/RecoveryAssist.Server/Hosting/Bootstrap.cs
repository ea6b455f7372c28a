using RecoveryAssist.Server.Features.Auth;
using RecoveryAssist.Server.Features.Escrow;

namespace RecoveryAssist.Server.Hosting;

/// <summary>First-run set-up: an administrator with a one-time password, shown once on the console.</summary>
internal static class Bootstrap
{
    public const string AdminUserName = "admin";

    /// <summary>Creates the bootstrap admin when there are no users; returns its one-time password, or null.</summary>
    public static string? EnsureAdmin(UserService users)
    {
        if (users.AnyUser())
            return null;
        var (_, password) = users.Create(AdminUserName, Role.Admin, null, Actor.System);
        return password;
    }

    /// <summary>Where the one-time password goes when the console is itself a log (the journal), in the data directory.</summary>
    public const string InitialPasswordFile = "initial-admin-password";

    /// <summary>
    /// Written to the console, not to the log: the password must be seen once by the person
    /// starting the appliance and must not end up in log files. When the console is the journal
    /// (a service), the password goes to <paramref name="passwordFile"/> (mode 0600) and the
    /// console names the file instead.
    /// </summary>
    public static void PrintFirstRun(TextWriter console, string? kekFileCreated, string? adminPassword, string url, string? passwordFile = null)
    {
        if (kekFileCreated is not null)
        {
            console.WriteLine($"RecoveryAssist: created the key-encryption key {kekFileCreated} (mode 0600).");
            console.WriteLine("  Back it up apart from the data directory: without it the escrow cannot be opened.");
        }
        if (adminPassword is null)
            return;
        if (passwordFile is not null)
        {
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var writer = new StreamWriter(passwordFile, options))
                writer.WriteLine(adminPassword);
            console.WriteLine($"RecoveryAssist: created user '{AdminUserName}'; its one-time password is in {passwordFile} (mode 0600; delete it after the first sign-in).");
        }
        else
        {
            console.WriteLine($"RecoveryAssist: created user '{AdminUserName}' with the one-time password: {adminPassword}");
            console.WriteLine("  It is shown only now and must be changed at first sign-in:");
        }
        console.WriteLine($"  recoveryassist --server {url} passwd --user {AdminUserName}   (then: recoveryassist --server {url} login --user {AdminUserName})");
    }
}
