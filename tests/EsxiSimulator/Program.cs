using System.Globalization;
using RecoveryAssist.EsxiSimulator.Hosting;
using RecoveryAssist.EsxiSimulator.State;

namespace RecoveryAssist.EsxiSimulator;

/// <summary>
/// <c>esxi-sim serve --state-dir DIR --host NAME</c>: run SSH_ORIGINAL_COMMAND on host NAME (sshd starts this).
/// <c>esxi-sim admin ...</c>: create and change simulated hosts from a shell (tests use <see cref="HostStore"/> directly).
/// </summary>
internal static class Program
{
    private const string Usage = """
        usage:
          esxi-sim serve --state-dir DIR --host NAME        (runs $SSH_ORIGINAL_COMMAND; started by sshd)
          esxi-sim admin create-host NAME --state-dir DIR [--seed N]
          esxi-sim admin list --state-dir DIR
          esxi-sim admin show NAME --state-dir DIR
          esxi-sim admin set-fault NAME --state-dir DIR --kind fail|hang|drop|garble [--command PREFIX] [--times N] [--before] [--message TEXT] [--exit-code N]
          esxi-sim admin clear-faults NAME --state-dir DIR
          esxi-sim admin set NAME --state-dir DIR KEY=VALUE...
              keys: firmware-secure-boot, tpm-present, tpm-vendor, version, build, kernelopt, list-layout (OneLine|Wrapped),
                    rotate-changes-id, tpm-mode-fails (true|false|auto), auto-backup-fails, backup-lock-fails, backup-now-fails, key-in-mode-none,
                    auto-backup-error, backup-output (OneLine|WithClock|ConfigStoreFirst), stat (true|false), ls-full-time (Iso|CTime|Unsupported)
          esxi-sim admin replace-tpm NAME --state-dir DIR [--vendor VENDOR]
          esxi-sim admin power-cycle NAME --state-dir DIR
          esxi-sim admin reboot NAME --state-dir DIR        (orderly: saves, then boots)
          esxi-sim admin recover NAME --state-dir DIR       (reads the recovery key from stdin)
        DIR defaults to $ESXI_SIM_STATE_DIR.
        """;

    public static int Main(string[] args)
    {
        try
        {
            return args.FirstOrDefault() switch
            {
                "serve" => Serve(new Arguments(args.Skip(1))),
                "admin" when args.Length >= 2 => Admin(args[1], new Arguments(args.Skip(2))),
                _ => Fail(Usage),
            };
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or SimulatedHostNotFoundException or FormatException)
        {
            return Fail("esxi-sim: " + e.Message);
        }
    }

    private static int Serve(Arguments arguments)
    {
        var store = new HostStore(arguments.StateDirectory());
        var host = arguments.Required("--host");
        var exit = SshSession.Run(store, host, Environment.GetEnvironmentVariable("SSH_ORIGINAL_COMMAND"), Console.Out, Console.Error, TimeProvider.System);
        Console.Out.Flush();
        return exit;
    }

    private static int Admin(string verb, Arguments arguments)
    {
        var store = new HostStore(arguments.StateDirectory());
        switch (verb)
        {
            case "list":
                foreach (var name in store.List())
                    Console.WriteLine(name);
                return 0;
            case "create-host":
                store.Create(arguments.Name(), int.Parse(arguments.Optional("--seed") ?? "0", CultureInfo.InvariantCulture));
                return 0;
            case "show":
                Console.WriteLine(StateJson.Display(store.Get(arguments.Name())));
                return 0;
            case "set-fault":
            {
                var name = arguments.Name();
                var kind = arguments.Required("--kind") switch
                {
                    "fail" => FaultKind.Fail,
                    "hang" => FaultKind.Hang,
                    "drop" => FaultKind.DropConnection,
                    "garble" => FaultKind.Garble,
                    var other => throw new ArgumentException($"unknown fault kind '{other}'"),
                };
                store.AddFault(name, new Fault
                {
                    Command = arguments.Optional("--command") ?? "*",
                    Kind = kind,
                    AfterAction = !arguments.Flag("--before"),
                    Times = arguments.Optional("--times") is { } t ? int.Parse(t, CultureInfo.InvariantCulture) : null,
                    Message = arguments.Optional("--message"),
                    ExitCode = int.Parse(arguments.Optional("--exit-code") ?? "1", CultureInfo.InvariantCulture),
                });
                return 0;
            }
            case "clear-faults":
                store.ClearFaults(arguments.Name());
                return 0;
            case "set":
            {
                var name = arguments.Name();
                var settings = arguments.Positional.Skip(1).ToList();
                store.Update(name, state =>
                {
                    foreach (var setting in settings)
                        Apply(state, setting);
                });
                return 0;
            }
            case "replace-tpm":
                store.ReplaceTpm(arguments.Name(), arguments.Optional("--vendor") ?? "STM");
                return 0;
            case "power-cycle":
                store.PowerCycle(arguments.Name());
                return 0;
            case "reboot":
                store.Reboot(arguments.Name());
                return 0;
            case "recover":
                return store.BootWithRecoveryKey(arguments.Name(), Console.In.ReadToEnd()) ? 0 : Fail("esxi-sim: the key does not unlock the saved configuration");
            default:
                return Fail(Usage);
        }
    }

    private static void Apply(HostState state, string setting)
    {
        var equals = setting.IndexOf('=', StringComparison.Ordinal);
        if (equals < 0)
            throw new ArgumentException($"expected KEY=VALUE, got '{setting}'");
        var key = setting[..equals];
        var value = setting[(equals + 1)..];
        switch (key)
        {
            case "firmware-secure-boot": state.Hardware.FirmwareSecureBoot = bool.Parse(value); break;
            case "tpm-present": state.Hardware.TpmPresent = bool.Parse(value); break;
            case "tpm-vendor": state.Hardware.TpmVendor = value; break;
            case "version": state.Software.Version = value; break;
            case "build": state.Software.Build = value; break;
            case "kernelopt": state.Software.Kernelopt = value; break;
            case "list-layout": state.Behaviour.ListLayout = Enum.Parse<RecoveryListLayout>(value, ignoreCase: true); break;
            case "rotate-changes-id": state.Behaviour.RotateChangesRecoveryId = bool.Parse(value); break;
            case "tpm-mode-fails": state.Behaviour.TpmModeFails = value == "auto" ? null : bool.Parse(value); break;
            case "auto-backup-fails": state.Behaviour.AutoBackupSilentlyFails = bool.Parse(value); break;
            case "auto-backup-error": state.Behaviour.AutoBackupErrorLine = bool.Parse(value); break;
            case "backup-output": state.Behaviour.BackupOutput = Enum.Parse<BackupOutputShape>(value, ignoreCase: true); break;
            case "stat": state.Behaviour.StatAvailable = bool.Parse(value); break;
            case "ls-full-time": state.Behaviour.LsFullTime = Enum.Parse<FullTimeShape>(value, ignoreCase: true); break;
            case "backup-lock-fails": state.Behaviour.BackupLockFails = bool.Parse(value); break;
            case "backup-now-fails": state.Behaviour.BackupNowSilentlyFails = bool.Parse(value); break;
            case "key-in-mode-none": state.Behaviour.KeyInModeNone = bool.Parse(value); break;
            default: throw new ArgumentException($"unknown setting '{key}'");
        }
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine(message);
        return 2;
    }

    private sealed class Arguments
    {
        private readonly List<string> _words;

        public Arguments(IEnumerable<string> words) => _words = words.ToList();

        public IReadOnlyList<string> Positional =>
            _words.Where((w, i) => !w.StartsWith("--", StringComparison.Ordinal) && (i == 0 || !TakesValue(_words[i - 1]))).ToList();

        private static bool TakesValue(string option) => option.StartsWith("--", StringComparison.Ordinal) && option != "--before";

        public string Name() => Positional.FirstOrDefault() ?? throw new ArgumentException("a host name is required");

        public bool Flag(string name) => _words.Contains(name);

        public string? Optional(string name)
        {
            var index = _words.IndexOf(name);
            return index >= 0 && index + 1 < _words.Count ? _words[index + 1] : null;
        }

        public string Required(string name) => Optional(name) ?? throw new ArgumentException($"{name} is required");

        public string StateDirectory() =>
            Optional("--state-dir")
            ?? Environment.GetEnvironmentVariable("ESXI_SIM_STATE_DIR")
            ?? throw new ArgumentException("--state-dir (or ESXI_SIM_STATE_DIR) is required");
    }
}
