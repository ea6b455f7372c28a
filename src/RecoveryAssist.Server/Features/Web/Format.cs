using System.Globalization;

namespace RecoveryAssist.Server.Features.Web;

/// <summary>How the pages write times and durations: UTC, ISO-like, the same on every page.</summary>
internal static class Format
{
    public static string Time(DateTime utc) =>
        DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    public static string Time(DateTime? utc) => utc is { } t ? Time(t) : "—";

    public static string Clock(int seconds) =>
        string.Create(CultureInfo.InvariantCulture, $"{Math.Max(0, seconds) / 60:D2}:{Math.Max(0, seconds) % 60:D2}");
}
