using RecoveryAssist.Core.Keys;

namespace RecoveryAssist.Core.PowerCli;

/// <summary>One row of a PowerCLI export: the host (when the export names it), its Recovery ID and key.</summary>
/// <param name="LineNumber">1-based line of the row in the file, for reports about it.</param>
/// <param name="HostName">The VMHost, Host or Name column, or null when the export has none or the cell is empty.</param>
public sealed record PowerCliKeyRecord(int LineNumber, string? HostName, RecoveryId RecoveryId, RecoveryKey Key);
