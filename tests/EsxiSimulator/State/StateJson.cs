using System.Text.Json;

namespace RecoveryAssist.EsxiSimulator.State;

/// <summary>
/// Reads and writes state.json by hand with <see cref="JsonDocument"/> and <see cref="Utf8JsonWriter"/>.
/// </summary>
/// <remarks>
/// The simulator is a new process for every SSH command. JsonSerializer (even source-generated) made
/// the runtime JIT some 900 generic methods per start, about half of the process's 130 ms; the
/// non-generic reader and writer are precompiled in the framework. Missing properties read as defaults.
/// </remarks>
internal static class StateJson
{
    public static byte[] Serialize(HostState state)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("name", state.Name);
            w.WritePropertyName("config");
            WriteConfig(w, state.Config);
            w.WritePropertyName("savedConfig");
            WriteConfig(w, state.SavedConfig);
            w.WriteBoolean("extraDirty", state.ExtraDirty);
            w.WriteBoolean("isConfigDirty", state.IsConfigDirty);

            var hardware = state.Hardware;
            w.WriteStartObject("hardware");
            w.WriteString("smbiosUuid", hardware.SmbiosUuid);
            w.WriteString("vendor", hardware.Vendor);
            w.WriteString("product", hardware.Product);
            w.WriteString("serialNumber", hardware.SerialNumber);
            w.WriteBoolean("firmwareSecureBoot", hardware.FirmwareSecureBoot);
            w.WriteBoolean("tpmPresent", hardware.TpmPresent);
            w.WriteString("tpmVendor", hardware.TpmVendor);
            w.WriteStartArray("nics");
            foreach (var nic in hardware.Nics)
            {
                w.WriteStartObject();
                w.WriteString("name", nic.Name);
                w.WriteString("pciDevice", nic.PciDevice);
                w.WriteString("driver", nic.Driver);
                w.WriteBoolean("linkUp", nic.LinkUp);
                w.WriteNumber("speedMbps", nic.SpeedMbps);
                w.WriteString("macAddress", nic.MacAddress);
                w.WriteNumber("mtu", nic.Mtu);
                w.WriteString("description", nic.Description);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();

            var software = state.Software;
            w.WriteStartObject("software");
            w.WriteString("version", software.Version);
            w.WriteString("build", software.Build);
            w.WriteString("kernelopt", software.Kernelopt);
            w.WriteNumber("bootBankUpdated", software.BootBankUpdated);
            w.WriteEndObject();

            w.WriteString("power", state.Power.ToString());
            WriteNullableString(w, "bootFailure", state.BootFailure);
            w.WriteString("bootTime", state.BootTime);
            w.WriteString("stateTgzModified", state.StateTgzModified);
            w.WriteBoolean("execInstalledOnlyRuntime", state.ExecInstalledOnlyRuntime);
            w.WriteBoolean("rebootPending", state.RebootPending);
            w.WriteBoolean("bootedWithRecoveryKey", state.BootedWithRecoveryKey);
            w.WriteBoolean("sealedToOldTpm", state.SealedToOldTpm);

            var behaviour = state.Behaviour;
            w.WriteStartObject("behaviour");
            w.WriteString("listLayout", behaviour.ListLayout.ToString());
            w.WriteBoolean("rotateChangesRecoveryId", behaviour.RotateChangesRecoveryId);
            if (behaviour.TpmModeFails is { } fails)
                w.WriteBoolean("tpmModeFails", fails);
            else
                w.WriteNull("tpmModeFails");
            w.WriteBoolean("autoBackupSilentlyFails", behaviour.AutoBackupSilentlyFails);
            w.WriteBoolean("autoBackupErrorLine", behaviour.AutoBackupErrorLine);
            w.WriteString("backupOutput", behaviour.BackupOutput.ToString());
            w.WriteBoolean("statAvailable", behaviour.StatAvailable);
            w.WriteString("lsFullTime", behaviour.LsFullTime.ToString());
            w.WriteBoolean("backupLockFails", behaviour.BackupLockFails);
            w.WriteBoolean("backupNowSilentlyFails", behaviour.BackupNowSilentlyFails);
            w.WriteBoolean("keyInModeNone", behaviour.KeyInModeNone);
            w.WriteEndObject();

            w.WriteStartArray("faults");
            foreach (var fault in state.Faults)
            {
                w.WriteStartObject();
                w.WriteString("command", fault.Command);
                w.WriteString("kind", fault.Kind.ToString());
                w.WriteBoolean("afterAction", fault.AfterAction);
                WriteNullableNumber(w, "times", fault.Times);
                WriteNullableString(w, "message", fault.Message);
                w.WriteNumber("exitCode", fault.ExitCode);
                w.WriteEndObject();
            }
            w.WriteEndArray();

            w.WriteStartArray("commandLog");
            foreach (var entry in state.CommandLog)
            {
                w.WriteStartObject();
                w.WriteString("at", entry.At);
                w.WriteString("command", entry.Command);
                WriteNullableNumber(w, "exitCode", entry.ExitCode);
                WriteNullableString(w, "fault", entry.Fault?.ToString());
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    public static HostState Deserialize(ReadOnlyMemory<byte> json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var state = new HostState
        {
            Name = Text(root, "name") ?? "",
            Config = ReadConfig(root, "config"),
            SavedConfig = ReadConfig(root, "savedConfig"),
            ExtraDirty = Flag(root, "extraDirty"),
            Power = Enum.Parse<PowerState>(Text(root, "power") ?? nameof(PowerState.Running)),
            BootFailure = Text(root, "bootFailure"),
            BootTime = root.TryGetProperty("bootTime", out var bootTime) ? bootTime.GetDateTimeOffset() : default,
            StateTgzModified = root.TryGetProperty("stateTgzModified", out var modified) ? modified.GetDateTimeOffset() : default,
            ExecInstalledOnlyRuntime = Flag(root, "execInstalledOnlyRuntime"),
            BootedWithRecoveryKey = Flag(root, "bootedWithRecoveryKey"),
            SealedToOldTpm = Flag(root, "sealedToOldTpm"),
        };

        if (root.TryGetProperty("hardware", out var hardware))
        {
            var h = state.Hardware;
            h.SmbiosUuid = hardware.TryGetProperty("smbiosUuid", out var uuid) ? uuid.GetGuid() : Guid.Empty;
            h.Vendor = Text(hardware, "vendor") ?? h.Vendor;
            h.Product = Text(hardware, "product") ?? h.Product;
            h.SerialNumber = Text(hardware, "serialNumber") ?? "";
            h.FirmwareSecureBoot = Flag(hardware, "firmwareSecureBoot");
            h.TpmPresent = Flag(hardware, "tpmPresent", true);
            h.TpmVendor = Text(hardware, "tpmVendor") ?? h.TpmVendor;
            foreach (var nic in Items(hardware, "nics"))
            {
                var n = new SimulatedNic();
                n.Name = Text(nic, "name") ?? "";
                n.PciDevice = Text(nic, "pciDevice") ?? "";
                n.Driver = Text(nic, "driver") ?? n.Driver;
                n.LinkUp = Flag(nic, "linkUp", true);
                n.SpeedMbps = Number(nic, "speedMbps") ?? n.SpeedMbps;
                n.MacAddress = Text(nic, "macAddress") ?? "";
                n.Mtu = Number(nic, "mtu") ?? n.Mtu;
                n.Description = Text(nic, "description") ?? n.Description;
                h.Nics.Add(n);
            }
        }

        if (root.TryGetProperty("software", out var software))
        {
            var s = state.Software;
            s.Version = Text(software, "version") ?? s.Version;
            s.Build = Text(software, "build") ?? s.Build;
            s.Kernelopt = Text(software, "kernelopt") ?? s.Kernelopt;
            s.BootBankUpdated = Number(software, "bootBankUpdated") ?? s.BootBankUpdated;
        }

        if (root.TryGetProperty("behaviour", out var behaviour))
        {
            var b = state.Behaviour;
            b.ListLayout = Enum.Parse<RecoveryListLayout>(Text(behaviour, "listLayout") ?? nameof(RecoveryListLayout.OneLine));
            b.RotateChangesRecoveryId = Flag(behaviour, "rotateChangesRecoveryId");
            b.TpmModeFails = behaviour.TryGetProperty("tpmModeFails", out var fails) && fails.ValueKind != JsonValueKind.Null ? fails.GetBoolean() : null;
            b.AutoBackupSilentlyFails = Flag(behaviour, "autoBackupSilentlyFails");
            b.AutoBackupErrorLine = Flag(behaviour, "autoBackupErrorLine");
            b.BackupOutput = Enum.Parse<BackupOutputShape>(Text(behaviour, "backupOutput") ?? nameof(BackupOutputShape.WithClock));
            b.StatAvailable = Flag(behaviour, "statAvailable", true);
            b.LsFullTime = Enum.Parse<FullTimeShape>(Text(behaviour, "lsFullTime") ?? nameof(FullTimeShape.Iso));
            b.BackupLockFails = Flag(behaviour, "backupLockFails");
            b.BackupNowSilentlyFails = Flag(behaviour, "backupNowSilentlyFails");
            b.KeyInModeNone = Flag(behaviour, "keyInModeNone");
        }

        foreach (var fault in Items(root, "faults"))
        {
            state.Faults.Add(new Fault
            {
                Command = Text(fault, "command") ?? "*",
                Kind = Enum.Parse<FaultKind>(Text(fault, "kind") ?? nameof(FaultKind.Fail)),
                AfterAction = Flag(fault, "afterAction", true),
                Times = Number(fault, "times"),
                Message = Text(fault, "message"),
                ExitCode = Number(fault, "exitCode") ?? 1,
            });
        }

        foreach (var entry in Items(root, "commandLog"))
        {
            state.CommandLog.Add(new CommandLogEntry
            {
                At = entry.GetProperty("at").GetDateTimeOffset(),
                Command = Text(entry, "command") ?? "",
                ExitCode = Number(entry, "exitCode"),
                Fault = Text(entry, "fault") is { } kind ? Enum.Parse<FaultKind>(kind) : null,
            });
        }
        return state;
    }

    private static void WriteConfig(Utf8JsonWriter w, HostConfig config)
    {
        w.WriteStartObject();
        w.WriteString("recoveryId", config.RecoveryId);
        w.WriteString("recoveryKey", config.RecoveryKey);
        w.WriteStartArray("keyCache");
        foreach (var key in config.KeyCache)
        {
            w.WriteStartObject();
            w.WriteString("keyId", key.KeyId);
            w.WriteString("key", key.Key);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteString("mode", config.Mode.ToString());
        w.WriteBoolean("requireSecureBoot", config.RequireSecureBoot);
        w.WriteBoolean("requireExecInstalledOnly", config.RequireExecInstalledOnly);
        w.WriteBoolean("execInstalledOnlyConfigured", config.ExecInstalledOnlyConfigured);
        w.WriteEndObject();
    }

    private static HostConfig ReadConfig(JsonElement root, string name)
    {
        var config = new HostConfig();
        if (!root.TryGetProperty(name, out var element))
            return config;
        config.RecoveryId = Text(element, "recoveryId") ?? "";
        config.RecoveryKey = Text(element, "recoveryKey") ?? "";
        foreach (var key in Items(element, "keyCache"))
            config.KeyCache.Add(new CachedKey { KeyId = Text(key, "keyId") ?? "", Key = Text(key, "key") ?? "" });
        config.Mode = Enum.Parse<EncryptionMode>(Text(element, "mode") ?? nameof(EncryptionMode.Tpm));
        config.RequireSecureBoot = Flag(element, "requireSecureBoot");
        config.RequireExecInstalledOnly = Flag(element, "requireExecInstalledOnly");
        config.ExecInstalledOnlyConfigured = Flag(element, "execInstalledOnlyConfigured");
        return config;
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool Flag(JsonElement element, string name, bool fallback = false) =>
        element.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : fallback;

    private static int? Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt32() : null;

    private static IEnumerable<JsonElement> Items(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array ? value.EnumerateArray() : [];

    private static void WriteNullableString(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
            w.WriteNull(name);
        else
            w.WriteString(name, value);
    }

    private static void WriteNullableNumber(Utf8JsonWriter w, string name, int? value)
    {
        if (value is { } number)
            w.WriteNumber(name, number);
        else
            w.WriteNull(name);
    }

    public static string Display(HostState state) => System.Text.Encoding.UTF8.GetString(Serialize(state));
}
