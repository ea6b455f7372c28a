using System.Globalization;
using RecoveryAssist.Core.Keys;
using RecoveryAssist.EsxiSimulator.Output;
using RecoveryAssist.EsxiSimulator.State;

namespace RecoveryAssist.EsxiSimulator.Commands;

/// <summary>
/// The subset of esxcli that RecoveryAssist uses. Outputs follow esxi-reference.md; where the real text is
/// not published the code says GUESS.
/// </summary>
internal static class Esxcli
{
    /// <summary>ESXi's refusal of a policy change (esxi-reference.md, "TPM policy").</summary>
    public const string PolicyRefusal =
        "Unable to change the encryption mode and policy. Verify that the current host configuration can satisfy the new requirement.";

    private static readonly string[] MachineFormatters = ["csv", "keyvalue", "xml"];
    private static readonly string[] DebugFormatters = ["json", "python", "table", "simple"];

    private delegate CommandResult Handler(HostState state, Options options, string formatter, DateTimeOffset now);

    private sealed record CommandSpec(string Path, Handler Run, params OptionSpec[] Options);

    private sealed record OptionSpec(char Short, string Long, bool Required = false);

    private static readonly CommandSpec[] Commands =
    [
        new("system settings encryption recovery list", RecoveryList),
        new("system settings encryption recovery rotate", RecoveryRotate,
            new OptionSpec('k', "keyid"), new OptionSpec('u', "uuid", Required: true)),
        new("system settings encryption get", EncryptionGet),
        new("system settings encryption set", EncryptionSet,
            new OptionSpec('m', "mode"),
            new OptionSpec('s', "require-secure-boot"),
            new OptionSpec('e', "require-exec-installed-only")),
        new("system settings kernel list", KernelList, new OptionSpec('o', "option")),
        new("system settings kernel set", KernelSet,
            new OptionSpec('s', "setting", Required: true), new OptionSpec('v', "value", Required: true)),
        new("system stats uptime get", UptimeGet),
        new("hardware platform get", PlatformGet),
        new("hardware trustedboot get", TrustedBootGet),
        new("network nic list", NicList),
    ];

    /// <summary>The command without esxcli's global options, as faults and the command log name it.</summary>
    public static string Normalize(IReadOnlyList<string> argv)
    {
        var words = new List<string> { "esxcli" };
        var i = 1;
        while (i < argv.Count && argv[i].StartsWith("--", StringComparison.Ordinal))
        {
            i += argv[i] is "--formatter" or "--format-param" ? 2 : 1;
        }
        for (; i < argv.Count; i++)
            words.Add(argv[i]);
        return string.Join(' ', words);
    }

    public static CommandResult Run(HostState state, IReadOnlyList<string> argv, DateTimeOffset now)
    {
        var formatter = "text";
        var debug = false;
        var i = 1;
        for (; i < argv.Count && argv[i].StartsWith("--", StringComparison.Ordinal); i++)
        {
            var (name, value) = SplitOption(argv[i]);
            switch (name)
            {
                case "formatter":
                    if (value is null)
                    {
                        if (++i >= argv.Count)
                            return CommandResult.EsxcliError("Error: Missing value for option --formatter");
                        value = argv[i];
                    }
                    formatter = value;
                    break;
                case "debug":
                    debug = true;
                    break;
                case "format-param":
                    if (value is null)
                        i++;
                    break;
                default:
                    return CommandResult.EsxcliError($"Error: Invalid option {argv[i]}");
            }
        }

        if (formatter != "text" && !MachineFormatters.Contains(formatter))
        {
            if (DebugFormatters.Contains(formatter) && debug)
                return CommandResult.EsxcliError($"Error: the simulator does not implement the debug formatter {formatter}");
            return CommandResult.EsxcliError($"Unable to find requested formatter: {formatter}");
        }

        var path = new List<string>();
        for (; i < argv.Count && !argv[i].StartsWith('-'); i++)
            path.Add(argv[i]);
        var pathText = string.Join(' ', path);
        var spec = Commands.FirstOrDefault(c => c.Path == pathText);
        if (spec is null)
        {
            // GUESS: wording of esxcli's unknown-namespace error.
            return CommandResult.EsxcliError(path.Count == 0
                ? "Usage: esxcli [options] {namespace}+ {cmd} [cmd options]"
                : $"Error: Unknown command or namespace {pathText}");
        }

        var options = Options.Parse(argv.Skip(i).ToList(), spec);
        if (options.Error is not null)
            return CommandResult.EsxcliError(options.Error + "\n\n" + Usage(spec));
        return spec.Run(state, options, formatter, now);
    }

    private static string Usage(CommandSpec spec) =>
        $"Usage: esxcli {spec.Path} [cmd options]";

    private static (string Name, string? Value) SplitOption(string word)
    {
        var body = word.TrimStart('-');
        var equals = body.IndexOf('=', StringComparison.Ordinal);
        return equals < 0 ? (body, null) : (body[..equals], body[(equals + 1)..]);
    }

    private static CommandResult Print(EsxcliResult result, string formatter) =>
        CommandResult.Ok(EsxcliFormatter.Format(result, formatter));

    // ---- system settings encryption recovery ----

    private static CommandResult RecoveryList(HostState state, Options options, string formatter, DateTimeOffset now)
    {
        var rows = new List<Structure>();
        if (state.HasRecoveryKey)
        {
            rows.Add(new Structure("RecoveryKey", // GUESS: structure type name (parse by field name).
                [Field.Of("Recovery ID", state.Config.RecoveryId), Field.Of("Key", state.Config.RecoveryKey)]));
        }
        var layout = state.Behaviour.ListLayout;
        return Print(new ListResult("RecoveryKey", ["Recovery ID", "Key"], rows, list => RecoveryTable(list, layout)), formatter);
    }

    /// <summary>
    /// The published sample (vSphere 8.0 Security guide): the ID column as wide as a braced GUID, a
    /// three-dash rule under "Key", and, wrapped, the key split after its ninth group with the
    /// continuation (starting with its dash) at column 0.
    /// </summary>
    private static string RecoveryTable(ListResult list, RecoveryListLayout layout)
    {
        const int idWidth = 38;
        var text = new System.Text.StringBuilder();
        text.Append("Recovery ID".PadRight(idWidth)).Append("  Key\n");
        text.Append(new string('-', idWidth)).Append("  ---\n");
        foreach (var row in list.Rows)
        {
            var id = row.Fields[0].Value;
            var key = row.Fields[1].Value;
            const int firstLine = 9 * (RecoveryKey.DigitsPerGroup + 1) - 1;
            if (layout == RecoveryListLayout.Wrapped && key.Length > firstLine)
                text.Append(id.PadRight(idWidth)).Append("  ").Append(key[..firstLine]).Append('\n').Append(key[firstLine..]).Append('\n');
            else
                text.Append(id.PadRight(idWidth)).Append("  ").Append(key).Append('\n');
        }
        return text.ToString();
    }

    private static CommandResult RecoveryRotate(HostState state, Options options, string formatter, DateTimeOffset now)
    {
        var uuid = options.Get("uuid")!;
        // GUESS: the error texts of rotate are not documented.
        if (!RecoveryId.TryParse(uuid, out var given))
            return CommandResult.EsxcliError($"Invalid UUID: {uuid}");
        if (!state.HasRecoveryKey || !RecoveryId.TryParse(state.Config.RecoveryId, out var current) || given != current)
            return CommandResult.EsxcliError($"Unable to find the recovery key with UUID {given}.");

        string newKey;
        var keyId = options.Get("keyid");
        if (keyId is not null)
        {
            var cached = state.Config.KeyCache.FirstOrDefault(k => string.Equals(k.KeyId, keyId, StringComparison.OrdinalIgnoreCase));
            if (cached is null)
                return CommandResult.EsxcliError($"Unable to find the key with ID {keyId} in the key cache.");
            newKey = cached.Key;
        }
        else
        {
            newKey = RecoveryKey.Generate().Reveal();
        }

        state.Config.RecoveryKey = newKey;
        if (state.Behaviour.RotateChangesRecoveryId)
            state.Config.RecoveryId = "{" + Guid.NewGuid().ToString("D").ToUpperInvariant() + "}";
        return CommandResult.Ok(); // Undocumented output: the simulator prints nothing on success.
    }

    // ---- system settings encryption get/set ----

    private static CommandResult EncryptionGet(HostState state, Options options, string formatter, DateTimeOffset now)
    {
        var structure = new Structure("EncryptionSettings", // GUESS: structure type name.
        [
            Field.Of("Mode", ModeText(state.Config.Mode)),
            Field.Of("Require Executables Only From Installed VIBs", state.Config.RequireExecInstalledOnly),
            Field.Of("Require Secure Boot", state.Config.RequireSecureBoot),
        ]);
        return Print(new StructureResult(structure), formatter);
    }

    private static string ModeText(EncryptionMode mode) => mode == EncryptionMode.Tpm ? "TPM" : "NONE";

    private static CommandResult EncryptionSet(HostState state, Options options, string formatter, DateTimeOffset now)
    {
        var modeText = options.Get("mode");
        var secureBootText = options.Get("require-secure-boot");
        var execText = options.Get("require-exec-installed-only");
        if (modeText is null && secureBootText is null && execText is null)
            return CommandResult.EsxcliError("Error: At least one option is required.\n\nUsage: esxcli system settings encryption set [cmd options]"); // GUESS

        EncryptionMode? mode = null;
        if (modeText is not null)
        {
            mode = modeText.ToUpperInvariant() switch
            {
                "TPM" => EncryptionMode.Tpm,
                "NONE" => EncryptionMode.None,
                _ => null,
            };
            if (mode is null)
                return CommandResult.EsxcliError($"Error: Invalid value for option --mode: {modeText}. Valid values are: NONE, TPM"); // GUESS
        }
        bool? secureBoot = null;
        if (secureBootText is not null)
        {
            if (!TryParseBool(secureBootText, out var value))
                return InvalidBoolean("require-secure-boot", secureBootText);
            secureBoot = value;
        }
        bool? exec = null;
        if (execText is not null)
        {
            if (!TryParseBool(execText, out var value))
                return InvalidBoolean("require-exec-installed-only", execText);
            exec = value;
        }

        var config = state.Config;
        var newMode = mode ?? config.Mode;
        var newSecureBoot = secureBoot ?? config.RequireSecureBoot;
        var newExec = exec ?? config.RequireExecInstalledOnly;

        // Mode TPM cannot be undone.
        if (config.Mode == EncryptionMode.Tpm && newMode == EncryptionMode.None)
            return CommandResult.EsxcliError(PolicyRefusal);
        if (config.Mode == EncryptionMode.None && newMode == EncryptionMode.Tpm && !TpmUsable(state))
            return CommandResult.EsxcliError(PolicyRefusal);
        // The policies protect a TPM-sealed configuration: they need Mode TPM.
        if ((newSecureBoot && !config.RequireSecureBoot || newExec && !config.RequireExecInstalledOnly) && newMode != EncryptionMode.Tpm)
            return CommandResult.EsxcliError(PolicyRefusal);
        if (newSecureBoot && !config.RequireSecureBoot && !state.Hardware.FirmwareSecureBoot)
            return CommandResult.EsxcliError(PolicyRefusal);
        // Enabling exec enforcement needs Require Secure Boot (GUESS: it may be enabled in the same call)
        // and the execInstalledOnly kernel setting TRUE at runtime, i.e. set before the last boot.
        if (newExec && !config.RequireExecInstalledOnly && (!newSecureBoot || !state.ExecInstalledOnlyRuntime))
            return CommandResult.EsxcliError(PolicyRefusal);

        if (config.Mode == EncryptionMode.None && newMode == EncryptionMode.Tpm && !state.Behaviour.KeyInModeNone)
        {
            // GUESS: sealing the configuration to the TPM creates its recovery key (and Recovery ID).
            config.RecoveryId = "{" + Guid.NewGuid().ToString("D").ToUpperInvariant() + "}";
            config.RecoveryKey = RecoveryKey.Generate().Reveal();
        }
        config.Mode = newMode;
        config.RequireSecureBoot = newSecureBoot;
        config.RequireExecInstalledOnly = newExec;
        return CommandResult.Ok(); // GUESS: set prints nothing on success.
    }

    /// <summary>Known-bad TPMs for set --mode=TPM (esxi-reference.md): NationZ, Infineon, Nuvoton on 7.0 U2; NationZ on 7.0 U3.</summary>
    private static bool TpmUsable(HostState state)
    {
        if (!state.Hardware.TpmPresent)
            return false;
        if (state.Behaviour.TpmModeFails is { } forced)
            return !forced;
        var vendor = state.Hardware.TpmVendor.ToUpperInvariant();
        var version = state.Software.Version;
        if (version.StartsWith("7.0.2", StringComparison.Ordinal))
            return vendor is not ("NTZ" or "IFX" or "NTC");
        if (version.StartsWith("7.0.3", StringComparison.Ordinal))
            return vendor != "NTZ";
        return true;
    }

    // ---- system settings kernel ----

    private const string ExecInstalledOnly = "execInstalledOnly";

    private static CommandResult KernelList(HostState state, Options options, string formatter, DateTimeOffset now)
    {
        var option = options.Get("option");
        var rows = new List<Structure>();
        if (option is null || string.Equals(option, ExecInstalledOnly, StringComparison.Ordinal))
        {
            rows.Add(new Structure("KernelSetting", // GUESS: structure type name.
            [
                Field.Of("Name", ExecInstalledOnly),
                Field.Of("Type", "Bool"),
                Field.Of("Configured", BoolWord(state.Config.ExecInstalledOnlyConfigured)),
                Field.Of("Runtime", BoolWord(state.ExecInstalledOnlyRuntime)),
                Field.Of("Default", "FALSE"),
                // GUESS: the description text of execInstalledOnly.
                Field.Of("Description", "Allow execution of binaries installed by VIBs only"),
            ]));
        }
        // Columns as ESXi 7.0 and later print them; an unknown -o gives the header alone (GUESS).
        return Print(new ListResult("KernelSetting", ["Name", "Type", "Configured", "Runtime", "Default", "Description"], rows), formatter);
    }

    private static string BoolWord(bool value) => value ? "TRUE" : "FALSE";

    private static CommandResult KernelSet(HostState state, Options options, string formatter, DateTimeOffset now)
    {
        var setting = options.Get("setting")!;
        var value = options.Get("value")!;
        if (!string.Equals(setting, ExecInstalledOnly, StringComparison.Ordinal))
            return CommandResult.EsxcliError($"Invalid Key Name: {setting}"); // GUESS
        if (!TryParseBool(value, out var enabled))
            return CommandResult.EsxcliError($"Invalid value {value} for setting {setting}: expected TRUE or FALSE."); // GUESS
        state.Config.ExecInstalledOnlyConfigured = enabled;
        return CommandResult.Ok();
    }

    // ---- system stats, hardware, network ----

    /// <summary>Microseconds since boot, one number (esxcli system stats uptime get).</summary>
    private static CommandResult UptimeGet(HostState state, Options options, string formatter, DateTimeOffset now)
    {
        var micros = Math.Max(0, (now - state.BootTime).Ticks / 10);
        return CommandResult.Ok(micros.ToString(CultureInfo.InvariantCulture) + "\n");
    }

    /// <remarks>
    /// Real samples: "ESXi on MacMini 6,2" (elatov, 2014) and a 2023 esxcli cheat sheet (Dell PowerEdge R750xs), both found
    /// with the code search of this project:
    /// <code>
    /// Platform Information
    ///    UUID: 0x4c 0x4c 0x45 0x44 0x0 0x42 0x46 0x10 0x80 0x53 0xb3 0xc0 0x4f 0x34 0x54 0x33
    ///    Product Name: PowerEdge R750xs
    ///    Vendor Name: Dell Inc.
    ///    Serial Number: 3BFS4T3
    ///    Enclosure Serial Number: 3BFS4T3
    ///    BIOS Asset Tag:
    ///    IPMI Supported: true
    /// </code>
    /// The UUID bytes are printed in the order of the canonical SMBIOS UUID string (Dell's 4c4c4544-...),
    /// each as 0x with no leading zero.
    /// </remarks>
    private static CommandResult PlatformGet(HostState state, Options options, string formatter, DateTimeOffset now)
    {
        var hardware = state.Hardware;
        var hex = hardware.SmbiosUuid.ToString("N");
        var bytes = Enumerable.Range(0, 16).Select(i => "0x" + Convert.ToInt32(hex.Substring(i * 2, 2), 16).ToString("x", CultureInfo.InvariantCulture));
        var structure = new Structure("PlatformInformation", // GUESS: structure type name.
        [
            Field.Of("UUID", string.Join(' ', bytes)),
            Field.Of("Product Name", hardware.Product),
            Field.Of("Vendor Name", hardware.Vendor),
            Field.Of("Serial Number", hardware.SerialNumber),
            Field.Of("Enclosure Serial Number", hardware.SerialNumber),
            Field.Of("BIOS Asset Tag", ""),
            Field.Of("IPMI Supported", true),
        ]);
        return Print(new StructureResult(structure, "Platform Information"), formatter);
    }

    /// <remarks>
    /// "Drtm Enabled" and "Tpm Present" are ESXi's fields. No documented ESXi command prints the TPM's
    /// vendor: "Tpm Vendor" is SIMULATOR-ONLY, there so tests can see which TPM the host has.
    /// </remarks>
    private static CommandResult TrustedBootGet(HostState state, Options options, string formatter, DateTimeOffset now)
    {
        var fields = new List<Field>
        {
            Field.Of("Drtm Enabled", false),
            Field.Of("Tpm Present", state.Hardware.TpmPresent),
        };
        if (state.Hardware.TpmPresent)
            fields.Add(Field.Of("Tpm Vendor", state.Hardware.TpmVendor));
        return Print(new StructureResult(new Structure("TrustedBoot", fields)), formatter);
    }

    /// <remarks>
    /// Real samples (ESXi 6.5 to 7.0, found with the code search of this project, several blog posts):
    /// <code>
    /// Name    PCI Device    Driver  Admin Status  Link Status  Speed  Duplex  MAC Address         MTU  Description
    /// ------  ------------  ------  ------------  -----------  -----  ------  -----------------  ----  -------------------------------------------------------
    /// vmnic0  0000:02:00.0  ntg3    Up            Up            1000  Full    20:67:7c:d9:a1:6c  1500  Broadcom Corporation NetXtreme BCM5719 Gigabit Ethernet
    /// vmnic2  0000:02:00.2  ntg3    Up            Down             0  Half    20:67:7c:d9:a1:6e  1500  Broadcom Corporation NetXtreme BCM5719 Gigabit Ethernet
    /// </code>
    /// </remarks>
    private static CommandResult NicList(HostState state, Options options, string formatter, DateTimeOffset now)
    {
        var rows = state.Hardware.Nics.Select(nic => new Structure("NIC", // GUESS: structure type name.
        [
            Field.Of("Name", nic.Name),
            Field.Of("PCI Device", nic.PciDevice),
            Field.Of("Driver", nic.Driver),
            Field.Of("Admin Status", "Up"),
            Field.Of("Link Status", nic.LinkUp ? "Up" : "Down"),
            Field.Of("Speed", nic.LinkUp ? nic.SpeedMbps : 0),
            Field.Of("Duplex", nic.LinkUp ? "Full" : "Half"),
            Field.Of("MAC Address", nic.MacAddress),
            Field.Of("MTU", nic.Mtu),
            Field.Of("Description", nic.Description),
        ])).ToList();
        return Print(new ListResult("NIC",
            ["Name", "PCI Device", "Driver", "Admin Status", "Link Status", "Speed", "Duplex", "MAC Address", "MTU", "Description"], rows), formatter);
    }

    // ---- option parsing ----

    private static bool TryParseBool(string text, out bool value)
    {
        switch (text.ToUpperInvariant())
        {
            case "T" or "TRUE" or "Y" or "YES" or "1":
                value = true;
                return true;
            case "F" or "FALSE" or "N" or "NO" or "0":
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }

    private static CommandResult InvalidBoolean(string option, string text) =>
        CommandResult.EsxcliError($"Error: Invalid data constraint for parameter '{option}'. Expected a boolean value, got '{text}'."); // GUESS

    private sealed class Options
    {
        private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

        public string? Error { get; private set; }

        public string? Get(string longName) => _values.GetValueOrDefault(longName);

        public static Options Parse(IReadOnlyList<string> words, CommandSpec spec)
        {
            var options = new Options();
            for (var i = 0; i < words.Count; i++)
            {
                var word = words[i];
                OptionSpec? option;
                string? value = null;
                if (word.StartsWith("--", StringComparison.Ordinal))
                {
                    var (name, inline) = SplitOption(word);
                    option = spec.Options.FirstOrDefault(o => o.Long == name);
                    value = inline;
                }
                else if (word.Length >= 2 && word[0] == '-')
                {
                    option = spec.Options.FirstOrDefault(o => o.Short == word[1]);
                    if (word.Length > 2)
                        value = word[2] == '=' ? word[3..] : word[2..];
                }
                else
                {
                    options.Error = $"Error: Unexpected argument {word}";
                    return options;
                }
                if (option is null)
                {
                    options.Error = $"Error: Invalid option {word}";
                    return options;
                }
                if (value is null)
                {
                    if (i + 1 >= words.Count)
                    {
                        options.Error = $"Error: Missing value for option -{option.Short}|--{option.Long}";
                        return options;
                    }
                    value = words[++i];
                }
                options._values[option.Long] = value;
            }
            var missing = spec.Options.FirstOrDefault(o => o.Required && !options._values.ContainsKey(o.Long));
            if (missing is not null)
                options.Error = $"Error: Missing required parameter -{missing.Short}|--{missing.Long}";
            return options;
        }
    }
}
