using LiteDB;
using Microsoft.AspNetCore.Identity;
using RecoveryAssist.Server.Features.Audit;
using RecoveryAssist.Server.Features.Escrow;
using RecoveryAssist.Server.Hosting;
using RecoveryAssist.Server.Storage;

namespace RecoveryAssist.Server.Features.Auth;

/// <summary>
/// What an admin does to other accounts: change a role, disable or enable, reset a password to a one-time
/// one. Each change is audited in the same transaction; the last enabled admin can be neither disabled
/// nor demoted, so the appliance always keeps someone who can manage users.
/// </summary>
internal sealed class UserAdministration(AppDatabase database, AuditLog audit, UserService users)
{
    private readonly PasswordHasher<UserRecord> _hasher = new();

    private ILiteCollection<UserRecord> Users => database.Collection<UserRecord>(UserService.UsersCollection);

    public UserRecord SetRole(string userName, Role role, Actor actor) => Change(userName, actor, user =>
    {
        if (user.Role == Role.Admin && role != Role.Admin)
            EnsureAnotherAdmin(user);
        var previous = user.Role;
        user.Role = role;
        return ("user.role-changed", $"role {previous} -> {role}");
    });

    public UserRecord SetDisabled(string userName, bool disabled, Actor actor) => Change(userName, actor, user =>
    {
        if (disabled && user.Role == Role.Admin)
            EnsureAnotherAdmin(user);
        user.Disabled = disabled;
        return (disabled ? "user.disabled" : "user.enabled", null);
    });

    /// <summary>Replaces the password with a one-time one (returned once, to be changed at next sign-in) and lifts a lockout.</summary>
    public (UserRecord User, string OneTimePassword) ResetPassword(string userName, Actor actor)
    {
        var password = UserService.GeneratePassword();
        var user = Change(userName, actor, user =>
        {
            user.PasswordHash = _hasher.HashPassword(user, password);
            user.MustChangePassword = true;
            user.FailedSignIns = 0;
            user.LockedUntil = null;
            return ("user.password-reset", null);
        });
        return (user, password);
    }

    private UserRecord Change(string userName, Actor actor, Func<UserRecord, (string Action, string? Detail)> change) => database.Write(() =>
    {
        var user = users.Find(userName) ?? throw ProblemException.NotFound("The user");
        var (action, detail) = change(user);
        Users.Update(user);
        audit.Append(new AuditEntry(actor.Name, action, $"user:{user.UserName}", AuditEntry.Success, actor.ClientAddress, detail));
        return user;
    });

    private void EnsureAnotherAdmin(UserRecord user)
    {
        if (!Users.Find(u => u.Role == Role.Admin && !u.Disabled && u.Id != user.Id).Any())
            throw ProblemException.Conflict("last-admin", $"'{user.UserName}' is the last enabled admin: make another admin first.");
    }
}
