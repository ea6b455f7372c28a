using RecoveryAssist.Core.Keys;

namespace RecoveryAssist.Core.Esxcli;

/// <summary>One row of <c>esxcli system settings encryption recovery list</c>. Prints the key as <c>[redacted]</c>.</summary>
public sealed record RecoveryListEntry(RecoveryId RecoveryId, RecoveryKey Key);
