using System.Diagnostics;
using System.Text;

namespace RecoveryAssist.EndToEnd.Tests.Pxe;

/// <summary>
/// A stand-in "ESXi image" for the QEMU tests: an installer-like boot.cfg, and as its boot loader a
/// Debian kernel with a busybox initramfs that plays mboot's part: it prints its own command line,
/// fetches the boot.cfg named by <c>-c &lt;url&gt;</c> once (as mboot does) and prints the
/// <c>kernelopt</c> it would hand to the kernel, then powers off.
/// </summary>
internal static class StandInImage
{
    /// <summary>Kept between runs: the kernel package is fetched once.</summary>
    public static string CacheDirectory { get; } =
        Environment.GetEnvironmentVariable("RA_PXE_CACHE") is { Length: > 0 } configured ? configured : Path.Combine(Path.GetTempPath(), "ra-pxe-cache");

    // virtio-net is built as modules in Debian's cloud kernel; their dependencies are read from each module.
    private static readonly string[] WantedModules = ["virtio_pci", "virtio_net"];

    private const string Init = """
        #!/bin/busybox sh
        B=/bin/busybox
        $B mount -t devtmpfs dev /dev
        $B mount -t proc proc /proc
        $B mount -t sysfs sys /sys
        exec > /dev/ttyS0 2>&1
        echo "RA-CMDLINE: $($B cat /proc/cmdline)"
        for m in MODULES; do $B insmod /lib/$m.ko; done
        $B ip link set eth0 up
        $B ip addr add 10.0.2.15/24 dev eth0
        i=0
        while [ "$($B cat /sys/class/net/eth0/carrier 2>/dev/null)" != 1 ] && [ $i -lt 100 ]; do $B usleep 100000; i=$((i+1)); done
        cfg=$($B sed -n 's/.*-c \([^ ]*\).*/\1/p' /proc/cmdline)
        server=$(echo "$cfg" | $B sed -n 's|^http://\([^/:]*\):\([0-9]*\)/.*|\1 \2|p')
        # Wait until the appliance answers a TCP connect (nothing sent): the one-time URL is fetched once.
        i=0
        while ! $B nc -w 1 $server </dev/null >/dev/null 2>&1 && [ $i -lt 50 ]; do $B usleep 200000; i=$((i+1)); done
        if [ -n "$cfg" ] && $B wget -O /boot.cfg "$cfg"; then
          echo "RA-KERNELOPT: $($B sed -n 's/^kernelopt=//p' /boot.cfg)"
        else
          echo "RA-FETCH-FAILED"
        fi
        $B poweroff -f
        """;

    private static readonly SemaphoreSlim Lock = new(1, 1);

    /// <summary>Builds (or reuses) the image directory: boot.cfg, standin/vmlinuz, standin/initrd.gz.</summary>
    public static async Task<string> PrepareAsync()
    {
        await Lock.WaitAsync();
        try
        {
            var kernelRoot = await KernelAsync();
            var image = Path.Combine(CacheDirectory, "image");
            Directory.CreateDirectory(Path.Combine(image, "standin"));
            var vmlinuz = Directory.GetFiles(Path.Combine(kernelRoot, "boot"), "vmlinuz-*").Single();
            File.Copy(vmlinuz, Path.Combine(image, "standin", "vmlinuz"), overwrite: true);
            var modules = Directory.GetDirectories(Path.Combine(kernelRoot, "lib", "modules")).Single();
            var paths = Directory.GetFiles(Path.Combine(modules, "kernel"), "*.ko", SearchOption.AllDirectories)
                .ToDictionary(p => Path.GetFileNameWithoutExtension(p), StringComparer.Ordinal);
            var ordered = new List<string>();
            void Visit(string module)
            {
                if (ordered.Contains(module))
                    return;
                if (!paths.TryGetValue(module, out var path))
                    return; // built into the kernel
                foreach (var dependency in Depends(File.ReadAllBytes(path)))
                    Visit(dependency);
                ordered.Add(module);
            }
            foreach (var module in WantedModules)
                Visit(module);
            var cpio = new Cpio().Directory("bin").Directory("dev").Directory("proc").Directory("sys").Directory("lib")
                .File("bin/busybox", await File.ReadAllBytesAsync(QemuRequirement.Busybox), executable: true)
                .File("init", Encoding.ASCII.GetBytes(Init.Replace("\r\n", "\n").Replace("MODULES", string.Join(' ', ordered)) + "\n"), executable: true);
            foreach (var module in ordered)
                cpio.File($"lib/{module}.ko", await File.ReadAllBytesAsync(paths[module]));
            await File.WriteAllBytesAsync(Path.Combine(image, "standin", "initrd.gz"), cpio.ToGzip());
            await File.WriteAllTextAsync(Path.Combine(image, "boot.cfg"), """
                bootstate=0
                title=Stand-in ESXi installer (RecoveryAssist QEMU tests)
                timeout=5
                prefix=
                kernel=/b.b00
                kernelopt=runweasel cdromBoot
                modules=/jumpstrt.gz --- /useropts.gz
                build=8.0.2-0.0.22380479
                updated=0

                """.Replace("\r\n", "\n"));
            return image;
        }
        finally
        {
            Lock.Release();
        }
    }

    /// <summary>The <c>depends=</c> entry of a module's .modinfo section.</summary>
    private static IEnumerable<string> Depends(byte[] module)
    {
        var marker = "\0depends="u8;
        var at = module.AsSpan().IndexOf(marker);
        if (at < 0)
            return [];
        var start = at + marker.Length;
        var end = module.AsSpan(start).IndexOf((byte)0);
        return Encoding.ASCII.GetString(module, start, end).Split(',', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>Debian's cloud kernel package, unpacked: small, with virtio-net as modules.</summary>
    private static async Task<string> KernelAsync()
    {
        var root = Path.Combine(CacheDirectory, "kernel");
        if (Directory.Exists(Path.Combine(root, "boot")) && Directory.GetFiles(Path.Combine(root, "boot"), "vmlinuz-*").Length == 1)
            return root;
        Directory.CreateDirectory(CacheDirectory);
        var depends = await RunAsync("apt-cache", CacheDirectory, "depends", "linux-image-cloud-amd64");
        var package = depends.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("Depends: linux-image-", StringComparison.Ordinal))?["Depends: ".Length..]
            ?? throw new InvalidOperationException("apt-cache names no kernel for linux-image-cloud-amd64: " + depends);
        await RunAsync("apt-get", CacheDirectory, "download", package);
        var deb = Directory.GetFiles(CacheDirectory, package + "_*.deb").Single();
        var unpacking = root + ".tmp";
        if (Directory.Exists(unpacking))
            Directory.Delete(unpacking, recursive: true);
        await RunAsync("dpkg", CacheDirectory, "-x", deb, unpacking);
        if (Directory.Exists(root))
            Directory.Delete(root, recursive: true);
        Directory.Move(unpacking, root);
        File.Delete(deb);
        return root;
    }

    private static async Task<string> RunAsync(string program, string directory, params string[] args)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} exited {process.ExitCode}: {await error}");
        return await output;
    }
}
