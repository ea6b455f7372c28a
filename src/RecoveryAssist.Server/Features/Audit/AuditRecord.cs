namespace RecoveryAssist.Server.Features.Audit;

/// <summary>What happened, to be appended to the audit log. Never holds key material.</summary>
/// <param name="Actor">Who did it: a user name, "token:&lt;name&gt;", or "system".</param>
/// <param name="Action">A stable dotted name such as <c>key.imported</c> or <c>auth.signin</c>.</param>
/// <param name="Target">What it was done to, e.g. <c>host:esx01</c>.</param>
/// <param name="Outcome"><c>success</c>, <c>denied</c> or <c>failed</c>.</param>
internal sealed record AuditEntry(
    string Actor,
    string Action,
    string Target,
    string Outcome,
    string? ClientAddress = null,
    string? Detail = null)
{
    public const string Success = "success";
    public const string Denied = "denied";
    public const string Failed = "failed";
}

/// <summary>One link of the hash chain, as stored.</summary>
internal sealed class AuditRecord
{
    /// <summary>The sequence number, from 1, without gaps.</summary>
    public long Id { get; set; }

    public DateTime Time { get; set; }

    public string Actor { get; set; } = "";

    public string Action { get; set; } = "";

    public string Target { get; set; } = "";

    public string Outcome { get; set; } = "";

    public string? ClientAddress { get; set; }

    public string? Detail { get; set; }

    public string PreviousHash { get; set; } = "";

    public string Hash { get; set; } = "";
}

/// <summary>The newest link, sealed with a key derived from the KEK, so that cutting records off the end is seen.</summary>
internal sealed class AuditHead
{
    public const int SingletonId = 1;

    public int Id { get; set; } = SingletonId;

    public long Sequence { get; set; }

    public string Hash { get; set; } = "";

    public string Mac { get; set; } = "";
}
