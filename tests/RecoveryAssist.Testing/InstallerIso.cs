using System.Diagnostics;

namespace RecoveryAssist.Testing;

/// <summary>An ESXi-shaped installer tree made into an ISO by a real tool (genisoimage, Debian package genisoimage).</summary>
internal static class InstallerIso
{
    public const string BootCfg = "bootstate=0\ntitle=Loading ESXi installer\nkernel=/b.b00\nkernelopt=runweasel\nmodules=/jumpstrt.gz --- /useropts.gz\nbuild=8.0.2-0.0.22380479\nupdated=0\n";
    private const string Tool = "/usr/bin/genisoimage";

    /// <summary>
    /// Writes the tree (upper-case names as on ESXi media) and the ISO under <paramref name="workDirectory"/>:
    /// plain ISO 9660 names with ";1", or Joliet names as well. Returns the ISO's path and the EFI loader's bytes.
    /// </summary>
    public static async Task<(string Iso, byte[] EfiLoader)> CreateAsync(string workDirectory, bool joliet)
    {
        if (!File.Exists(Tool))
            throw new InvalidOperationException("genisoimage is missing: scripts/test.sh installs it (Debian package genisoimage).");
        var tree = Directory.CreateDirectory(Path.Combine(workDirectory, "tree-" + Guid.NewGuid().ToString("N"))).FullName;
        Directory.CreateDirectory(Path.Combine(tree, "EFI", "BOOT"));
        await File.WriteAllTextAsync(Path.Combine(tree, "BOOT.CFG"), BootCfg);
        await File.WriteAllTextAsync(Path.Combine(tree, "MBOOT.C32"), "bios loader");
        var efi = new byte[300_000];
        new Random(7).NextBytes(efi);
        await File.WriteAllBytesAsync(Path.Combine(tree, "EFI", "BOOT", "BOOTX64.EFI"), efi);
        await File.WriteAllTextAsync(Path.Combine(tree, "B.B00"), "kernel");
        var iso = tree + ".iso";
        var start = new ProcessStartInfo(Tool) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in (string[])[.. joliet ? ["-J"] : Array.Empty<string>(), "-quiet", "-o", iso, tree])
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"genisoimage failed ({process.ExitCode}): {errors}");
        return (iso, efi);
    }
}
