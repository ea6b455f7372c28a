namespace RecoveryAssist.Server.Features.Auth;

internal enum Role
{
    Admin,
    Technician,
    Operator,
    Automation,
    Auditor,
}

/// <summary>What an endpoint requires. Roles grant sets of permissions; API tokens may narrow them by scope.</summary>
internal enum Permission
{
    HostsRead,
    HostsWrite,
    KeysImport,
    ReportsRead,
    AuditRead,
    UsersManage,
}

internal static class Permissions
{
    public const string ClaimType = "ra:perm";
    public const string MustChangePasswordClaim = "ra:must-change-password";
    public const string TokenIdClaim = "ra:token";

    private static readonly Dictionary<Role, Permission[]> Granted = new()
    {
        [Role.Admin] = Enum.GetValues<Permission>(),
        [Role.Technician] = [Permission.HostsRead, Permission.HostsWrite],
        [Role.Operator] = [Permission.HostsRead],
        [Role.Automation] = [Permission.HostsRead, Permission.HostsWrite, Permission.KeysImport, Permission.ReportsRead],
        [Role.Auditor] = [Permission.HostsRead, Permission.ReportsRead, Permission.AuditRead],
    };

    public static IReadOnlyList<Permission> Of(Role role) => Granted[role];

    /// <summary>The token scope name of a permission, e.g. <c>hosts:read</c>.</summary>
    public static string ScopeName(Permission permission) => permission switch
    {
        Permission.HostsRead => "hosts:read",
        Permission.HostsWrite => "hosts:write",
        Permission.KeysImport => "keys:import",
        Permission.ReportsRead => "reports:read",
        Permission.AuditRead => "audit:read",
        Permission.UsersManage => "users:manage",
        _ => throw new ArgumentOutOfRangeException(nameof(permission)),
    };

    public static Permission? FromScopeName(string scope) =>
        Enum.GetValues<Permission>().Select(p => (Permission?)p).FirstOrDefault(p => ScopeName(p!.Value) == scope);

    public static string PolicyName(Permission permission) => "perm:" + ScopeName(permission);
}
