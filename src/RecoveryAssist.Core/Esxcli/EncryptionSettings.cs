namespace RecoveryAssist.Core.Esxcli;

/// <summary>What <c>esxcli system settings encryption get</c> reports: the host's TPM policy.</summary>
public sealed record EncryptionSettings(ProtectionMode Mode, bool RequireSecureBoot, bool RequireExecutablesOnlyFromInstalledVibs);
