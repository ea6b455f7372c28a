using System.Globalization;

namespace RecoveryAssist.Core.Esxcli;

/// <summary>
/// Parses <c>esxcli system stats uptime get</c>: one number, the microseconds since the host booted.
/// A change of boot time (now minus uptime) is how the appliance sees that a host rebooted.
/// </summary>
public static class UptimeParser
{
    /// <exception cref="EsxcliParseException">The output is not one non-negative integer.</exception>
    public static TimeSpan Parse(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var line = TextLines.Single(output, "the microseconds since boot");
        var text = line.Text.Trim();
        if (text.Length is 0 or > 19 || !text.All(char.IsAsciiDigit) || !long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var micros))
            throw new EsxcliParseException(line.Number, "expected the microseconds since boot, a non-negative integer");
        return TimeSpan.FromTicks(Math.Min(micros, long.MaxValue / 10) * 10);
    }
}
