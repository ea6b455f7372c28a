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

    /// <summary>Locked by an admin: no sign-in, no session, no token works until unlocked.</summary>
    public bool Disabled { get; set; }

    public DateTime Created { get; set; }

    /// <summary>Who created the account (a user name, or "system"): an approver cannot reveal through an account they made.</summary>
    public string? CreatedBy { get; set; }

    /// <summary>Who last changed the role, and when; null when it never changed.</summary>
    public string? RoleChangedBy { get; set; }

    public DateTime? RoleChanged { get; set; }

    /// <summary>The TOTP secret, sealed under the KEK bound to this user; set at enrolment, active once confirmed.</summary>
    public Secrets.SealedKey? TotpSecret { get; set; }

    /// <summary>A code is asked at every sign-in.</summary>
    public bool TotpEnabled { get; set; }

    /// <summary>The time step of the last code accepted: a code is good once.</summary>
    public long TotpLastStep { get; set; }

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

    /// <summary>
    /// A sign-in token (the CLI's <c>login</c>: a password, and the code when required, traded for a
    /// working day): it counts as a person's session, may reveal, and ends with the user's sessions.
    /// An API token (automation) never carries <c>keys:reveal</c>.
    /// </summary>
    public bool Interactive { get; set; }

    public override string ToString() => $"token {Name}";
}
