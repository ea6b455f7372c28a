using RecoveryAssist.Server.Features.Auth;
using RecoveryAssist.Server.Features.Escrow;

namespace RecoveryAssist.Server.Hosting;

/// <summary>First-run set-up: an administrator whose one-time password waits in a 0600 file of the data directory.</summary>
internal static class Bootstrap
{
    public const string AdminUserName = "admin";

    /// <summary>The file, in the data directory, that holds the bootstrap admin's one-time password until it is changed.</summary>
    public const string OneTimePasswordFileName = "admin-password";

    public static string OneTimePasswordFile(string dataDirectory) => Path.GetFullPath(Path.Combine(dataDirectory, OneTimePasswordFileName));

    /// <summary>
    /// Creates the bootstrap admin when there are no users and writes its one-time password to a file only
    /// the service account can read; returns that file, or null. The password never goes to the console or
    /// the log, which outlive it; the file is deleted when the password is changed.
    /// </summary>
    public static string? EnsureAdmin(UserService users, string dataDirectory)
    {
        if (users.AnyUser())
            return null;
        var file = OneTimePasswordFile(dataDirectory);
        var (_, password) = users.Create(AdminUserName, Role.Admin, null, Actor.System);
        PrivateFiles.WriteAllText(file, password + "\n");
        return file;
    }

    /// <summary>Deletes the one-time password file once the admin has chosen a password.</summary>
    public static void ForgetOneTimePassword(string dataDirectory, UserRecord changed)
    {
        if (string.Equals(changed.UserName, AdminUserName, StringComparison.OrdinalIgnoreCase))
            File.Delete(OneTimePasswordFile(dataDirectory));
    }

    public static void PrintFirstRun(TextWriter console, string? kekFileCreated, string? adminPasswordFile, string url)
    {
        if (kekFileCreated is not null)
        {
            console.WriteLine($"RecoveryAssist: created the key-encryption key {kekFileCreated} (mode 0600).");
            console.WriteLine("  Back it up apart from the data directory: without it the escrow cannot be opened.");
        }
        if (adminPasswordFile is not null)
        {
            console.WriteLine($"RecoveryAssist: created user '{AdminUserName}'; its one-time password is in {adminPasswordFile} (mode 0600).");
            console.WriteLine("  It must be changed at first sign-in (the file is deleted then):");
            console.WriteLine($"  recoveryassist --server {url} passwd --user {AdminUserName}   (then: recoveryassist --server {url} login --user {AdminUserName})");
        }
    }
}
