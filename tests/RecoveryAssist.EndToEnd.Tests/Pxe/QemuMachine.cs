using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace RecoveryAssist.EndToEnd.Tests.Pxe;

/// <summary>
/// One QEMU guest (TCG) that network-boots with the iPXE option ROM of a virtio NIC over user-mode
/// networking; its serial console (where iPXE and the stand-in kernel write) is read line by line.
/// </summary>
internal sealed class QemuMachine : IAsyncDisposable
{
    public static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(120);

    private readonly Process _process;
    private readonly StringBuilder _serial = new();
    private readonly Lock _lock = new();
    private readonly string? _varsFile;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private QemuMachine(Process process, string? varsFile)
    {
        _process = process;
        _varsFile = varsFile;
    }

    public string Serial
    {
        get
        {
            lock (_lock)
                return _serial.ToString();
        }
    }

    /// <param name="bootFile">The DHCP boot file (a tftp:// URL with the test server's high port).</param>
    public static QemuMachine Start(bool efi, string bootFile, string mac, string uuid, string serial)
    {
        var start = new ProcessStartInfo(QemuRequirement.Qemu)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        string? vars = null;
        var args = new List<string>
        {
            "-m", "256", "-smp", "1", "-nographic", "-no-reboot",
            "-smbios", $"type=1,uuid={uuid},serial={serial}",
            "-netdev", $"user,id=n0,bootfile={bootFile}",
            "-device", $"virtio-net-pci,netdev=n0,mac={mac},bootindex=1",
        };
        if (efi)
        {
            vars = Path.Combine(Path.GetTempPath(), $"ra-ovmf-vars-{Guid.NewGuid():N}.fd");
            File.Copy(QemuRequirement.OvmfVars, vars);
            args.AddRange(["-drive", $"if=pflash,format=raw,readonly=on,file={QemuRequirement.OvmfCode}", "-drive", $"if=pflash,format=raw,file={vars}"]);
        }
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        var process = Process.Start(start)!;
        var machine = new QemuMachine(process, vars);
        _ = machine.PumpAsync(process.StandardOutput);
        _ = machine.PumpAsync(process.StandardError);
        return machine;
    }

    /// <summary>Waits until the serial output matches; fails with the output so far when it does not in time.</summary>
    public async Task<Match> WaitForAsync(string pattern, TimeSpan? timeout = null)
    {
        var regex = new Regex(pattern, RegexOptions.Multiline);
        using var deadline = new CancellationTokenSource(timeout ?? BootTimeout);
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                var match = regex.Match(_serial.ToString());
                if (match.Success)
                    return match;
                changed = _changed.Task;
            }
            if (_process.HasExited)
            {
                await Task.Delay(200, CancellationToken.None);
                var late = regex.Match(Serial);
                if (late.Success)
                    return late;
                throw new InvalidOperationException($"QEMU exited ({_process.ExitCode}) before /{pattern}/ appeared. Serial:\n{Tail()}");
            }
            try
            {
                await changed.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"/{pattern}/ did not appear on the serial console within {timeout ?? BootTimeout}. Serial:\n{Tail()}");
            }
        }
    }

    /// <summary>Types on the serial console (iPXE reads its keyboard from there too).</summary>
    public async Task TypeAsync(string keys)
    {
        await _process.StandardInput.WriteAsync(keys);
        await _process.StandardInput.FlushAsync();
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(deadline.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        if (_varsFile is not null)
            File.Delete(_varsFile);
    }

    private string Tail()
    {
        var text = Regex.Replace(Serial, @"\x1b\[[0-9;?]*[A-Za-z]", "");
        return text.Length > 4000 ? text[^4000..] : text;
    }

    private async Task PumpAsync(StreamReader reader)
    {
        var buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            lock (_lock)
            {
                _serial.Append(buffer, 0, read);
                var changed = _changed;
                _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                changed.SetResult();
            }
        }
        lock (_lock)
            _changed.TrySetResult();
    }
}
