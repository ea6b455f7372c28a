namespace RecoveryAssist.Core.Esxcli;

/// <summary>One VMkernel boot setting from <c>esxcli system settings kernel list [-o name]</c>.</summary>
/// <param name="Configured">The value for the next boot.</param>
/// <param name="Runtime">The value the running kernel booted with.</param>
public sealed record KernelSetting(string Name, string Type, string Configured, string Runtime, string Default)
{
    /// <summary>True when a change waits for a reboot (the policy step of execInstalledOnly needs the runtime value).</summary>
    public bool PendingReboot => !string.Equals(Configured, Runtime, StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// Parses <c>esxcli system settings kernel list</c> (for RecoveryAssist, <c>-o execInstalledOnly</c>):
/// the column table, csv, keyvalue or xml, by field name.
/// </summary>
/// <remarks>
/// Table shape, recalled and NOT confirmed against a published sample:
/// <code>
/// Name               Type  Configured  Runtime  Default  Description
/// -----------------  ----  ----------  -------  -------  -----------
/// execInstalledOnly  Bool  FALSE       FALSE    FALSE    Only allow executing binaries ...
/// </code>
/// No row is an error: with <c>-o</c> the option exists on every host that supports the policy.
/// </remarks>
public static class KernelSettingsParser
{
    /// <exception cref="EsxcliParseException">Any part of the output is not understood.</exception>
    public static IReadOnlyList<KernelSetting> Parse(string output, EsxcliFormat? format = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (string.IsNullOrWhiteSpace(output))
            throw new EsxcliParseException(1, "expected the output of esxcli system settings kernel list, found nothing");

        var settings = FieldRecordReader.Read(output, format ?? EsxcliFormatDetector.Detect(output))
            .Select(r => new KernelSetting(
                r.Require("Name").Text!.Trim(),
                r.Require("Type").Text!.Trim(),
                r.Require("Configured").Text!.Trim(),
                r.Require("Runtime").Text!.Trim(),
                r.Require("Default").Text!.Trim()))
            .ToArray();
        if (settings.Length == 0)
            throw new EsxcliParseException(TextLines.LastLineNumber(output), "expected at least one kernel setting, found none (unknown option name?)");
        return settings;
    }
}
