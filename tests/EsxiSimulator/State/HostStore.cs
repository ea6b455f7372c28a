using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using RecoveryAssist.Core.Keys;

namespace RecoveryAssist.EsxiSimulator.State;

/// <summary>
/// The state directory of the simulated hosts: <c>&lt;root&gt;/&lt;host&gt;/state.json</c>, one per host,
/// changed only under an exclusive lock on <c>&lt;root&gt;/&lt;host&gt;/state.lock</c> and replaced atomically
/// (write a temporary file, then rename), so concurrent SSH sessions on one host and the tests that
/// change it never see half a file or lose an update. Safe across processes and threads.
/// </summary>
public sealed partial class HostStore
{
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);

    private readonly TimeProvider _time;

    public HostStore(string root, TimeProvider? time = null)
    {
        Root = Path.GetFullPath(root);
        _time = time ?? TimeProvider.System;
    }

    public string Root { get; }

    /// <summary>Creates a host with a random key, a deterministic identity derived from name and seed, Mode TPM.</summary>
    /// <param name="configure">Adjusts the new host before it is first saved (its saved configuration follows).</param>
    public HostState Create(string name, int seed = 0, Action<HostState>? configure = null)
    {
        ValidateName(name);
        var directory = HostDirectory(name);
        Directory.CreateDirectory(directory);
        using (AcquireLock(name))
        {
            if (File.Exists(StatePath(name)))
                throw new InvalidOperationException($"Simulated host '{name}' already exists in {Root}.");
            var state = NewHost(name, seed, _time.GetUtcNow());
            configure?.Invoke(state);
            state.SavedConfig = state.Config.Copy();
            state.StateTgzModified = DateTimeOffset.FromUnixTimeSeconds(state.BootTime.ToUnixTimeSeconds());
            state.ExecInstalledOnlyRuntime = state.Config.ExecInstalledOnlyConfigured;
            Write(name, state);
            return state;
        }
    }

    public bool Exists(string name) => IsValidName(name) && File.Exists(StatePath(name));

    public IReadOnlyList<string> List() =>
        Directory.Exists(Root)
            ? Directory.GetDirectories(Root)
                .Where(d => File.Exists(Path.Combine(d, StateFileName)))
                .Select(Path.GetFileName)
                .OfType<string>()
                .Order(StringComparer.Ordinal)
                .ToList()
            : [];

    /// <summary>Reads a host's state (a snapshot: changing it changes nothing; use <see cref="Update"/>).</summary>
    public HostState Get(string name)
    {
        ValidateName(name);
        using (AcquireLock(name))
            return Read(name);
    }

    /// <summary>Changes a host's state under its lock and saves it; returns the state as saved.</summary>
    public HostState Update(string name, Action<HostState> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        return Update(name, state =>
        {
            change(state);
            return true;
        }).State;
    }

    /// <summary>
    /// Runs <paramref name="change"/> under the host's lock; saves only when it returns true.
    /// The simulator uses this to act and record a command in one step.
    /// </summary>
    public (HostState State, T Result) Update<T>(string name, Func<HostState, T> change, Func<T, bool>? shouldSave = null)
    {
        ArgumentNullException.ThrowIfNull(change);
        ValidateName(name);
        using (AcquireLock(name))
        {
            var state = Read(name);
            var result = change(state);
            if (shouldSave?.Invoke(result) ?? true)
                Write(name, state);
            return (state, result);
        }
    }

    public void AddFault(string name, Fault fault) => Update(name, s => s.Faults.Add(fault));

    public void ClearFaults(string name) => Update(name, s => s.Faults.Clear());

    /// <summary>The TPM (or the motherboard with it) was replaced, or the TPM cleared: the next boot in Mode TPM needs the key.</summary>
    public void ReplaceTpm(string name, string newVendor = "STM")
    {
        Update(name, s =>
        {
            s.Hardware.TpmVendor = newVendor;
            s.Hardware.TpmPresent = true;
            if (s.SavedConfig.Mode == EncryptionMode.Tpm)
                s.SealedToOldTpm = true;
            HostLifecycle.Boot(s, _time.GetUtcNow(), saveFirst: false);
        });
    }

    /// <summary>A crash or hard reset: what was not saved is lost, then the host boots (or stops waiting for its key).</summary>
    public void PowerCycle(string name) => Update(name, s => HostLifecycle.Boot(s, _time.GetUtcNow(), saveFirst: false));

    /// <summary>An orderly reboot by a person (maintenance mode, then reboot): ESXi saves first, then boots from what it saved.</summary>
    public void Reboot(string name) => Update(name, s => HostLifecycle.Boot(s, _time.GetUtcNow(), saveFirst: true));

    public void PowerOff(string name) => Update(name, s => s.Power = PowerState.Off);

    /// <summary>
    /// The operator typed <c>encryptionRecoveryKey=&lt;key&gt;</c> at Shift+O. Returns false (host stays
    /// stopped) when the key is not the one that protects the saved configuration.
    /// </summary>
    public bool BootWithRecoveryKey(string name, string keyText)
    {
        return Update(name, s => HostLifecycle.BootWithRecoveryKey(s, keyText, _time.GetUtcNow())).Result;
    }

    /// <summary>
    /// Sets what the firmware reports for UEFI Secure Boot, as if the operator changed it and the host came
    /// back up with it. Policy checks at boot run only at the next <see cref="PowerCycle"/> or <c>reboot</c>.
    /// </summary>
    public void SetFirmwareSecureBoot(string name, bool enabled) => Update(name, s => s.Hardware.FirmwareSecureBoot = enabled);

    internal string HostDirectory(string name) => Path.Combine(Root, name);

    private const string StateFileName = "state.json";

    private string StatePath(string name) => Path.Combine(HostDirectory(name), StateFileName);

    private HostState Read(string name)
    {
        var path = StatePath(name);
        if (!File.Exists(path))
            throw new SimulatedHostNotFoundException(name, Root);
        var bytes = File.ReadAllBytes(path);
        return StateJson.Deserialize(bytes);
    }

    private void Write(string name, HostState state)
    {
        var path = StatePath(name);
        var temporary = $"{path}.{Environment.ProcessId}.{Environment.CurrentManagedThreadId}.tmp";
        var bytes = StateJson.Serialize(state);
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }

    private FileStream AcquireLock(string name)
    {
        var path = Path.Combine(HostDirectory(name), "state.lock");
        if (!Directory.Exists(HostDirectory(name)))
            throw new SimulatedHostNotFoundException(name, Root);
        var deadline = DateTime.UtcNow + LockTimeout;
        while (true)
        {
            try
            {
                // FileShare.None takes flock(LOCK_EX) on Linux: exclusive across processes and handles.
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(2);
            }
        }
    }

    private static HostState NewHost(string name, int seed, DateTimeOffset now)
    {
        // Identity is deterministic per (name, seed) so tests and benchmarks can predict it.
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes($"{name}/{seed}"));
        var uuidBytes = digest.AsSpan(0, 16).ToArray();
        uuidBytes[7] = (byte)((uuidBytes[7] & 0x0F) | 0x40);
        var uuid = new Guid(uuidBytes);
        var serial = Convert.ToHexString(digest, 16, 4)[..7];
        var recoveryId = Guid.NewGuid();
        var state = new HostState
        {
            Name = name,
            BootTime = now,
            Config = new HostConfig
            {
                RecoveryId = "{" + recoveryId.ToString("D").ToUpperInvariant() + "}",
                RecoveryKey = RecoveryKey.Generate().Reveal(),
                KeyCache =
                [
                    new CachedKey { KeyId = Guid.NewGuid().ToString("D"), Key = RecoveryKey.Generate().Reveal() },
                    new CachedKey { KeyId = Guid.NewGuid().ToString("D"), Key = RecoveryKey.Generate().Reveal() },
                ],
                Mode = EncryptionMode.Tpm,
            },
            Hardware = new HostHardware
            {
                SmbiosUuid = uuid,
                SerialNumber = serial,
                Nics =
                [
                    Nic("vmnic0", "0000:04:00.0", digest[20], digest[21], digest[22], 0),
                    Nic("vmnic1", "0000:04:00.1", digest[20], digest[21], digest[22], 1),
                ],
            },
        };
        return state;
    }

    private static SimulatedNic Nic(string name, string pci, byte a, byte b, byte c, int index) => new()
    {
        Name = name,
        PciDevice = pci,
        MacAddress = $"b0:7b:25:{a:x2}:{b:x2}:{(byte)(c + index):x2}",
    };

    public static bool IsValidName(string? name) => name is not null && NamePattern().IsMatch(name);

    private static void ValidateName(string name)
    {
        if (!IsValidName(name))
            throw new ArgumentException($"'{name}' is not a simulated host name (letters, digits, '.', '_', '-'; at most 64).", nameof(name));
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex NamePattern();
}

public sealed class SimulatedHostNotFoundException(string name, string root)
    : Exception($"Simulated host '{name}' does not exist in {root}.");
