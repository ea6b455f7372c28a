namespace RecoveryAssist.Server.Features.Auth;

internal sealed class UserRecord
{
    public Guid Id { get; set; }

    public string UserName { get; set; } = "";

    public string NameKey { get; set; } = "";

    public Role Role { get; set; }

    public string PasswordHash { get; set; } = "";

    /// <summary>Set for a one-time password: every request but a password change is refused until it changes.</summary>
    public bool MustChangePassword { get; set; }

    public int FailedSignIns { get; set; }

    public DateTime? LockedUntil { get; set; }

    public bool Disabled { get; set; }

    public DateTime Created { get; set; }

    public override string ToString() => $"user {UserName} ({Role})";
}

/// <summary>An API token: only its SHA-256 is stored; the token itself is shown once.</summary>
internal sealed class ApiTokenRecord
{
    public Guid Id { get; set; }

    public Guid UserId { get; set; }

    public string Name { get; set; } = "";

    public string Hash { get; set; } = "";

    public List<Permission> Scopes { get; set; } = [];

    public DateTime Created { get; set; }

    public DateTime? Expires { get; set; }

    public DateTime? Revoked { get; set; }

    public override string ToString() => $"token {Name}";
}
