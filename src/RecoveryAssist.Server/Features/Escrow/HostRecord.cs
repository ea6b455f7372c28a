using RecoveryAssist.Core.Esxcli;

namespace RecoveryAssist.Server.Features.Escrow;

/// <summary>An ESXi host the appliance knows, with the identities a PXE boot or an export may name it by.</summary>
internal sealed class HostRecord
{
    public Guid Id { get; set; }

    public string Name { get; set; } = "";

    /// <summary>Lower-case name, unique: host names are compared without case.</summary>
    public string NameKey { get; set; } = "";

    public string? ManagementAddress { get; set; }

    /// <summary>SMBIOS system UUID, lower-case.</summary>
    public string? SmbiosUuid { get; set; }

    /// <summary>System serial number, upper-case.</summary>
    public string? Serial { get; set; }

    /// <summary>MAC addresses, lower-case with colons.</summary>
    public List<string> MacAddresses { get; set; } = [];

    public string? BmcAddress { get; set; }

    public string? EsxiVersion { get; set; }

    public string? EsxiBuild { get; set; }

    /// <summary>The boot options (boot.cfg kernelopt) the Shift+O prompt shows; null when not known.</summary>
    public string? KernelOpt { get; set; }

    public List<string> Tags { get; set; } = [];

    /// <summary>The TPM policy and what it depends on, as the last collection read them.</summary>
    public HostSecurity Security { get; set; } = new();

    /// <summary>The latest bound of the host's boot time when its keys were last listed with it: a later boot is a reboot (see <see cref="KeyReconciler"/>).</summary>
    public DateTime? KeysSeenBootBefore { get; set; }

    public DateTime Created { get; set; }

    public DateTime Updated { get; set; }
}

/// <summary>
/// What the host reported about its secure configuration. Null: never read (or, for the TPM vendor,
/// not reported: no documented ESXi command prints it).
/// </summary>
internal sealed class HostSecurity
{
    /// <summary><c>encryption get</c>: Mode.</summary>
    public ProtectionMode? Mode { get; set; }

    /// <summary><c>encryption get</c>: Require Secure Boot.</summary>
    public bool? RequireSecureBoot { get; set; }

    /// <summary><c>encryption get</c>: Require Executables Only From Installed VIBs.</summary>
    public bool? RequireExecInstalledOnly { get; set; }

    /// <summary><c>kernel list -o execInstalledOnly</c>: the value for the next boot.</summary>
    public bool? ExecInstalledOnlyConfigured { get; set; }

    /// <summary><c>kernel list -o execInstalledOnly</c>: the value the running kernel booted with.</summary>
    public bool? ExecInstalledOnlyRuntime { get; set; }

    /// <summary><c>secureBoot.py -s</c>: UEFI Secure Boot on in the firmware.</summary>
    public bool? FirmwareSecureBoot { get; set; }

    /// <summary><c>hardware trustedboot get</c>: Tpm Present (a TPM disabled in firmware is not present).</summary>
    public bool? TpmPresent { get; set; }

    public string? TpmVendor { get; set; }

    /// <summary>When the policy (Mode and the two requirements) was last read.</summary>
    public DateTime? PolicyRead { get; set; }
}
