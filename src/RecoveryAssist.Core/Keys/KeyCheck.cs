namespace RecoveryAssist.Core.Keys;

/// <summary>
/// How strictly the per-group check of a recovery key is applied.
/// </summary>
/// <remarks>
/// The check (<c>group mod 11 == index mod 11</c>, <c>group / 11 &lt; 65536</c>) is observed in
/// VMware's published sample, not documented. <see cref="Warn"/> exists for the day a real key
/// disagrees with it: the key is then accepted and the failed groups are reported as warnings.
/// </remarks>
public enum KeyCheck
{
    /// <summary>A group that fails the check makes the key invalid.</summary>
    Enforce,

    /// <summary>A group that fails the check is reported, but the key is accepted.</summary>
    Warn,
}
