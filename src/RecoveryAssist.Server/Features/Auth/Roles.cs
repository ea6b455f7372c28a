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
    SessionsRead,
    SessionsOpen,
    SessionsApprove,
    KeysReveal,
    HostsOperate,
    HostsCredentials,
    HostKeysPin,
    BootManage,

    /// <summary>Desired TPM policies and policy jobs (changing a host's Mode and requirements).</summary>
    PolicyManage,

    /// <summary>Forcing a policy change on a host whose key is not escrowed and recently verified (admins only).</summary>
    PolicyForce,

    /// <summary>Scraping the Prometheus exposition at /metrics (counts and states, never secrets).</summary>
    MetricsRead,

    /// <summary>Taking a backup of the whole escrow through the API (admins only).</summary>
    BackupCreate,

    /// <summary>Alert notification channels: where alerts are sent, and their secrets (admins only).</summary>
    AlertChannelsManage,
}

internal static class Permissions
{
    public const string ClaimType = "ra:perm";
    public const string MustChangePasswordClaim = "ra:must-change-password";
    public const string TokenIdClaim = "ra:token";

    /// <summary>RequireTotp is on and the user approves or reveals without a second factor: only enrolment and sign-out.</summary>
    public const string TotpEnrolmentClaim = "ra:totp-enrol-required";

    /// <summary>Permissions are held back while a one-time password must change or a required second factor is missing.</summary>
    public static bool HeldBack(System.Security.Claims.ClaimsPrincipal user) =>
        user.HasClaim(MustChangePasswordClaim, "true") || user.HasClaim(TotpEnrolmentClaim, "true");

    private static readonly Dictionary<Role, Permission[]> Granted = new()
    {
        // Revealing a key is for the people at the machine (technician, console operator), not for
        // the administrators who manage users and approve: an admin who must see a key uses a technician account.
        [Role.Admin] = Enum.GetValues<Permission>().Where(p => p != Permission.KeysReveal).ToArray(),
        [Role.Technician] = [Permission.HostsRead, Permission.HostsWrite, Permission.SessionsRead, Permission.SessionsOpen, Permission.SessionsApprove, Permission.KeysReveal, Permission.HostsOperate],
        [Role.Operator] = [Permission.HostsRead, Permission.SessionsRead, Permission.KeysReveal],
        [Role.Automation] = [Permission.HostsRead, Permission.HostsWrite, Permission.KeysImport, Permission.ReportsRead, Permission.SessionsRead, Permission.HostsOperate, Permission.HostsCredentials, Permission.BootManage, Permission.PolicyManage, Permission.MetricsRead],
        [Role.Auditor] = [Permission.HostsRead, Permission.ReportsRead, Permission.AuditRead, Permission.SessionsRead, Permission.MetricsRead],
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
        Permission.SessionsRead => "sessions:read",
        Permission.SessionsOpen => "sessions:open",
        Permission.SessionsApprove => "sessions:approve",
        Permission.KeysReveal => "keys:reveal",
        Permission.HostsOperate => "hosts:operate",
        Permission.HostsCredentials => "hosts:credentials",
        Permission.HostKeysPin => "hosts:pin",
        Permission.BootManage => "boot:manage",
        Permission.PolicyManage => "policy:manage",
        Permission.PolicyForce => "policy:force",
        Permission.MetricsRead => "metrics:read",
        Permission.BackupCreate => "backup:create",
        Permission.AlertChannelsManage => "alerts:channels",
        _ => throw new ArgumentOutOfRangeException(nameof(permission)),
    };

    public static Permission? FromScopeName(string scope) =>
        Enum.GetValues<Permission>().Select(p => (Permission?)p).FirstOrDefault(p => ScopeName(p!.Value) == scope);

    public static string PolicyName(Permission permission) => "perm:" + ScopeName(permission);
}
