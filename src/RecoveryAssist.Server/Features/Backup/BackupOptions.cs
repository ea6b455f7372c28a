using Microsoft.Extensions.Options;

namespace RecoveryAssist.Server.Features.Backup;

/// <summary>Backups on a timer, section <c>RecoveryAssist:Backup</c>. Off while <see cref="Directory"/> is empty.</summary>
internal sealed class BackupOptions
{
    public const string Section = "RecoveryAssist:Backup";
    public const int DefaultIntervalHours = 24;
    public const int DefaultKeep = 14;

    /// <summary>Where KEK-sealed backups are written; empty (the default) turns the timer off.</summary>
    public string Directory { get; set; } = "";

    /// <summary>Hours between two backups; the first is due one interval after the newest backup in the directory.</summary>
    public int IntervalHours { get; set; } = DefaultIntervalHours;

    /// <summary>How many backups to keep in the directory; older ones are deleted after each new one.</summary>
    public int Keep { get; set; } = DefaultKeep;
}

internal sealed class BackupOptionsValidator : IValidateOptions<BackupOptions>
{
    public ValidateOptionsResult Validate(string? name, BackupOptions options)
    {
        var errors = new List<string>();
        if (options.IntervalHours is < 1 or > 24 * 366)
            errors.Add($"{BackupOptions.Section}:IntervalHours must be between 1 and {24 * 366}.");
        if (options.Keep is < 1 or > 10_000)
            errors.Add($"{BackupOptions.Section}:Keep must be between 1 and 10000.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
