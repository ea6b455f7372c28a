namespace RecoveryAssist.Core.Esxcli;

/// <summary>The encryption mode of an ESXi host's configuration (<c>HostRuntimeInfoStateEncryptionInfo.protectionMode</c>).</summary>
public enum ProtectionMode
{
    /// <summary>Not sealed to a TPM; esxcli prints <c>NONE</c>.</summary>
    None,

    /// <summary>Sealed to the host's TPM; esxcli prints <c>TPM</c>. Once set it cannot be undone.</summary>
    Tpm,
}
