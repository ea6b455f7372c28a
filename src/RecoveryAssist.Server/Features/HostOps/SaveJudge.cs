using System.Globalization;
using System.Text.RegularExpressions;

namespace RecoveryAssist.Server.Features.HostOps;

/// <summary>What <c>/sbin/auto-backup.sh</c> printed, judged by its shape.</summary>
internal enum SaveOutput
{
    /// <summary>It printed one of the known success shapes.</summary>
    Saved,

    /// <summary>It printed nothing: the boot bank already held this configuration.</summary>
    NothingToSave,

    /// <summary>It printed an error line, or something not understood.</summary>
    Failed,
}

/// <summary>How a save ended once its output was judged and the boot bank re-read.</summary>
internal enum SaveConfirmation
{
    Confirmed,

    /// <summary>The output or the boot bank shows the save did not happen.</summary>
    Failed,

    /// <summary>Neither <c>stat</c> nor <c>ls --full-time</c> could read the boot bank's <c>state.tgz</c>: nothing proves the save.</summary>
    CouldNotConfirm,
}

internal sealed record SaveVerdict(SaveConfirmation Kind, string Text);

/// <summary>
/// Judges a save by what it is, never by an exit code (auto-backup.sh exits 0 when its save failed) nor boot.cfg's
/// <c>updated</c> counter (not documented to change on a backup): first the output against the known success
/// shapes, then the modification time of <c>/bootbank/state.tgz</c>, which must be newer than the change.
/// </summary>
internal static partial class SaveJudge
{
    public const string SavingLine = "Saving current state in /bootbank";

    /// <returns>The shape, and for <see cref="SaveOutput.Failed"/> the line that failed it (redacted).</returns>
    public static (SaveOutput Output, string? Problem) JudgeOutput(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length == 0)
            return (SaveOutput.NothingToSave, null);
        if (lines.FirstOrDefault(l => ErrorWords().IsMatch(l)) is { } error)
            return (SaveOutput.Failed, $"auto-backup.sh reported an error: '{Quote(error)}'");
        // 8.0 may print ConfigStore lines first; then the saving line; then, on 7.x and later, the two clock lines.
        var at = 0;
        while (at < lines.Length && lines[at].StartsWith("ConfigStore", StringComparison.OrdinalIgnoreCase))
            at++;
        if (at >= lines.Length || lines[at] != SavingLine)
            return (SaveOutput.Failed, $"auto-backup.sh printed something not understood: '{Quote(lines[Math.Min(at, lines.Length - 1)])}'");
        at++;
        if (at < lines.Length && lines[at] == "Clock updated.")
        {
            at++;
            if (at >= lines.Length || !ClockLine().IsMatch(lines[at]))
                return (SaveOutput.Failed, "auto-backup.sh printed 'Clock updated.' without its 'Time: ... Date: ... UTC' line");
            at++;
        }
        return at == lines.Length
            ? (SaveOutput.Saved, null)
            : (SaveOutput.Failed, $"auto-backup.sh printed something not understood after saving: '{Quote(lines[at])}'");
    }

    /// <summary>Confirms a save by the boot bank's <c>state.tgz</c> modification time (seconds since the epoch, host clock).</summary>
    /// <param name="output">The judged output.</param>
    /// <param name="problem">Why the output failed, when it did.</param>
    /// <param name="before">state.tgz's time read just before the save; null when it could not be read.</param>
    /// <param name="after">state.tgz's time read just after the save; null when it could not be read.</param>
    /// <param name="followsChange">The appliance changed the configuration (a rotate) before this save.</param>
    /// <param name="changedAfter">state.tgz's time read just before that change; null when it could not be read (or there was no change).</param>
    /// <param name="command">The save that ran, as the verdict names it: auto-backup.sh, or backup.sh 0 (whose output has no success shape to judge).</param>
    public static SaveVerdict Confirm(SaveOutput output, string? problem, long? before, long? after, bool followsChange, long? changedAfter, string command = "auto-backup.sh")
    {
        if (output == SaveOutput.Failed)
            return new SaveVerdict(SaveConfirmation.Failed, problem ?? $"{command} failed");
        if (output == SaveOutput.NothingToSave && !followsChange)
            return new SaveVerdict(SaveConfirmation.Confirmed, "nothing to save: the boot bank already holds this configuration");
        if (after is null)
            return new SaveVerdict(SaveConfirmation.CouldNotConfirm, "could not confirm the save: neither 'stat -c %Y' nor 'ls -l --full-time' could read /bootbank/state.tgz");
        // After a change, the save must be newer than the change; otherwise newer than state.tgz before this save.
        var reference = followsChange ? changedAfter ?? (output == SaveOutput.Saved ? before : null) : before;
        if (reference is null)
            return new SaveVerdict(SaveConfirmation.CouldNotConfirm, "could not confirm the save: /bootbank/state.tgz's time before the change is not known");
        if (after > reference)
            return new SaveVerdict(SaveConfirmation.Confirmed, $"saved: /bootbank/state.tgz written at {Time(after.Value)}, after the change ({Time(reference.Value)})");
        return output == SaveOutput.Saved
            ? new SaveVerdict(SaveConfirmation.Failed, $"{command} said it saved, but /bootbank/state.tgz is not newer than the change ({Time(after.Value)}): the save failed")
            : new SaveVerdict(SaveConfirmation.Failed, $"{command} found nothing to save, but /bootbank/state.tgz ({Time(after.Value)}) is not newer than the change: the change is not saved");
    }

    /// <summary>
    /// The seconds since the epoch of <c>stat -c %Y</c>, or of one line of <c>ls -l --full-time</c> (GNU/busybox shape
    /// <c>2026-12-06 09:15:14[.fraction] [+0000]</c>, or busybox's older <c>Sun Dec  6 09:15:14 2026</c>; ESXi's clock is UTC).
    /// </summary>
    /// <returns>Null when the text is not one of these shapes.</returns>
    public static long? ParseModified(string output, bool fromStat)
    {
        ArgumentNullException.ThrowIfNull(output);
        var text = output.Trim();
        if (fromStat)
            return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ? seconds : null;
        if (text.Contains('\n', StringComparison.Ordinal))
            return null;
        var iso = IsoTime().Match(text);
        if (iso.Success)
        {
            var offset = iso.Groups["zone"].Success
                ? TimeSpan.ParseExact(iso.Groups["zone"].Value[1..], "hhmm", CultureInfo.InvariantCulture) * (iso.Groups["zone"].Value[0] == '-' ? -1 : 1)
                : TimeSpan.Zero;
            var local = DateTime.ParseExact(iso.Groups["time"].Value, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
            return new DateTimeOffset(local, offset).ToUnixTimeSeconds();
        }
        var ctime = CTime().Match(text);
        if (ctime.Success)
        {
            var value = Regex.Replace(ctime.Groups["time"].Value, " +", " ");
            return DateTime.TryParseExact(value, "ddd MMM d HH:mm:ss yyyy", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed)
                ? new DateTimeOffset(parsed, TimeSpan.Zero).ToUnixTimeSeconds()
                : null;
        }
        return null;
    }

    private static string Time(long seconds) =>
        DateTimeOffset.FromUnixTimeSeconds(seconds).ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    private static string Quote(string line) => Redaction.Truncate(Redaction.Redact(line), 200);

    [GeneratedRegex(@"\b(error|cannot|can't|unable|failed|failure|not found|denied)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ErrorWords();

    [GeneratedRegex(@"^Time:\s+\d{2}:\d{2}:\d{2}\s+Date:\s+\d{2}/\d{2}/\d{4}\s+UTC$", RegexOptions.CultureInvariant)]
    private static partial Regex ClockLine();

    [GeneratedRegex(@"(?<time>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})(?:\.\d+)?(?: (?<zone>[+-]\d{4}))? ", RegexOptions.CultureInvariant)]
    private static partial Regex IsoTime();

    [GeneratedRegex(@"(?<time>(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} \d{2}:\d{2}:\d{2} \d{4}) ", RegexOptions.CultureInvariant)]
    private static partial Regex CTime();
}
