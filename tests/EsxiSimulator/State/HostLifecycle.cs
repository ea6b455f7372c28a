using RecoveryAssist.Core.Keys;

namespace RecoveryAssist.EsxiSimulator.State;

/// <summary>Boot, save and recovery: what happens to a host's state outside any single command.</summary>
internal static class HostLifecycle
{
    /// <summary>ESXi's console message when a policy of the sealed configuration is not met (KB 312109).</summary>
    public const string SecurityViolation = "Unable to restore system configuration. A security violation was detected.";

    public const string DecryptFailure = "Failed to decrypt system configuration.";

    /// <summary>
    /// Saves the running configuration to the boot bank (what backup.sh does): state.tgz is rewritten; boot.cfg's
    /// <c>updated</c> counter is not touched (not documented to change on a backup). A save packs the whole
    /// configuration and takes more than a second on ESXi (GUESS), so two saves never share a second of mtime.
    /// </summary>
    public static void Save(HostState state, DateTimeOffset now)
    {
        state.SavedConfig = state.Config.Copy();
        state.ExtraDirty = false;
        var second = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds());
        state.StateTgzModified = second > state.StateTgzModified ? second : state.StateTgzModified.AddSeconds(1);
        if (state.Power == PowerState.Running && state.Config.Mode == EncryptionMode.Tpm)
            state.SealedToOldTpm = false; // A save while running reseals to the TPM that is there now.
    }

    /// <summary>
    /// Boots from the saved configuration. <paramref name="saveFirst"/> is an orderly reboot (ESXi saves
    /// at shutdown); without it this is a crash or power cycle.
    /// </summary>
    public static void Boot(HostState state, DateTimeOffset now, bool saveFirst)
    {
        if (saveFirst && state.Power == PowerState.Running)
            Save(state, now);
        state.Config = state.SavedConfig.Copy();
        state.ExtraDirty = false;
        state.BootedWithRecoveryKey = false;
        var failure = CheckBoot(state);
        if (failure is not null)
        {
            state.Power = PowerState.WaitingForRecovery;
            state.BootFailure = failure;
            return;
        }
        Start(state, now);
    }

    public static bool BootWithRecoveryKey(HostState state, string keyText, DateTimeOffset now)
    {
        if (state.Power == PowerState.Running)
            return false;
        if (!RecoveryKey.TryParse(keyText, KeyCheck.Enforce, out var typed, out _))
            return false;
        var saved = RecoveryKey.Parse(state.SavedConfig.RecoveryKey);
        if (!typed.FixedTimeEquals(saved))
            return false;
        state.Config = state.SavedConfig.Copy();
        // The key unlocks the configuration whatever the TPM or the policy says; a save then reseals it.
        if (state.SealedToOldTpm)
            state.ExtraDirty = true;
        Start(state, now);
        state.BootedWithRecoveryKey = true;
        return true;
    }

    private static void Start(HostState state, DateTimeOffset now)
    {
        state.Power = PowerState.Running;
        state.BootFailure = null;
        state.BootTime = now;
        state.ExecInstalledOnlyRuntime = state.Config.ExecInstalledOnlyConfigured;
    }

    private static string? CheckBoot(HostState state)
    {
        var config = state.SavedConfig;
        if (config.Mode != EncryptionMode.Tpm)
            return null;
        if (state.SealedToOldTpm || !state.Hardware.TpmPresent)
            return DecryptFailure;
        if (config.RequireSecureBoot && !state.Hardware.FirmwareSecureBoot)
            return SecurityViolation;
        if (config.RequireExecInstalledOnly && !config.ExecInstalledOnlyConfigured)
            return SecurityViolation;
        return null;
    }
}
