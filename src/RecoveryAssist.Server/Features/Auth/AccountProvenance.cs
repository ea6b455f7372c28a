using Microsoft.Extensions.Options;

namespace RecoveryAssist.Server.Features.Auth;

/// <summary>
/// The seam Recovery asks before a reveal: is the revealer's account someone else's hands? An admin who
/// approves (or opens) a session and has just created an account, or given it a revealing role, must not
/// reveal through it: that would be one person doing both halves of the four-eyes rule.
/// </summary>
internal sealed class AccountProvenance(UserService users, IOptions<AuthOptions> options)
{
    /// <summary>Null when <paramref name="revealer"/> is independent of <paramref name="people"/>; otherwise why not.</summary>
    /// <param name="opened">When the session opened: changes from <see cref="AuthOptions.SeparationWindow"/> before it count.</param>
    public string? WhyNotIndependent(string revealer, IEnumerable<string?> people, DateTime opened)
    {
        var account = users.Find(revealer);
        if (account is null)
            return null;
        var since = opened - options.Value.SeparationWindow;
        foreach (var person in people.OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (string.Equals(person, revealer, StringComparison.OrdinalIgnoreCase))
                continue;
            if (Same(account.CreatedBy, person) && account.Created >= since)
                return $"Your account was created by {person}, who opened or approved this session, at {account.Created:u}: a second, independent person must reveal the key.";
            if (Same(account.RoleChangedBy, person) && account.RoleChanged >= since)
                return $"Your role was set by {person}, who opened or approved this session, at {account.RoleChanged:u}: a second, independent person must reveal the key.";
        }
        return null;
    }

    private static bool Same(string? a, string b) => a is not null && string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
