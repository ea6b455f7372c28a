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

    public DateTime Created { get; set; }

    public DateTime Updated { get; set; }
}
