using RecoveryAssist.EndToEnd.Tests.Infrastructure;

namespace RecoveryAssist.EndToEnd.Tests.Pxe;

/// <summary>
/// Whether QEMU with iPXE option ROMs and OVMF is here. Debian packages: qemu-system-x86, ipxe-qemu,
/// ovmf, busybox-static (and apt to fetch the stand-in kernel). Without them the tests skip, except
/// under CI=true where they fail.
/// </summary>
public static class QemuRequirement
{
    public const string Qemu = "/usr/bin/qemu-system-x86_64";
    public const string VirtioRom = "/usr/lib/ipxe/qemu/efi-virtio.rom";
    public const string OvmfCode = "/usr/share/OVMF/OVMF_CODE_4M.fd";
    public const string OvmfVars = "/usr/share/OVMF/OVMF_VARS_4M.fd";
    public const string Busybox = "/bin/busybox";

    public static string? MissingReason
    {
        get
        {
            if (!OperatingSystem.IsLinux())
                return "the QEMU PXE tests run on Linux only";
            var missing = new List<string>();
            if (!File.Exists(Qemu))
                missing.Add($"{Qemu} (qemu-system-x86)");
            if (!File.Exists(VirtioRom))
                missing.Add($"{VirtioRom} (ipxe-qemu)");
            if (!File.Exists(OvmfCode) || !File.Exists(OvmfVars))
                missing.Add($"{OvmfCode} (ovmf)");
            if (!File.Exists(Busybox))
                missing.Add($"{Busybox} (busybox-static)");
            if (SshdRequirement.FindOnPath("apt-get") is null || SshdRequirement.FindOnPath("dpkg") is null)
                missing.Add("apt-get and dpkg (to fetch the stand-in kernel)");
            return missing.Count == 0 ? null : "missing " + string.Join(", ", missing);
        }
    }

    public static string? SkipReason =>
        MissingReason is { } reason && !SshdRequirement.IsCi
            ? $"QEMU PXE test skipped: {reason}. Install qemu-system-x86 ipxe-qemu ovmf busybox-static; with CI=true this is a failure."
            : null;

    public static void EnsureAvailable()
    {
        if (MissingReason is { } reason)
        {
            throw new InvalidOperationException(
                $"The QEMU PXE tests cannot run: {reason}. Install the Debian packages qemu-system-x86, ipxe-qemu, ovmf and busybox-static"
                + (SshdRequirement.IsCi ? " (CI=true: missing tools fail the run instead of skipping)." : "."));
        }
    }
}

/// <summary>A fact that boots QEMU: skipped when QEMU, the iPXE ROMs or OVMF are missing, unless CI=true.</summary>
public sealed class QemuFactAttribute : FactAttribute
{
    public QemuFactAttribute()
    {
        if (QemuRequirement.SkipReason is { } reason)
            Skip = reason;
    }
}
