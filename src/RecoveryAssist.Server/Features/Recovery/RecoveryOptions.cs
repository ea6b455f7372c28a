using Microsoft.Extensions.Options;
using RecoveryAssist.Core.Qr;
using RecoveryAssist.Server.Features.Auth;

namespace RecoveryAssist.Server.Features.Recovery;

/// <summary>Recovery session policy, section <c>RecoveryAssist:Recovery</c>. Validated at start-up.</summary>
internal sealed class RecoveryOptions
{
    public const string Section = "RecoveryAssist:Recovery";
    public const int DefaultSessionMinutes = 60;
    public const int DefaultKioskBlankAfterSeconds = 180;
    public const int DefaultRevealLimit = 10;
    public const int DefaultEntryCheckLimit = 30;
    public const int DefaultRateWindowMinutes = 10;
    public const int DefaultSweepSeconds = 30;

    /// <summary>How long a session stays usable after it is opened (default 60 minutes). A host seen up no longer expires.</summary>
    public int SessionMinutes { get; set; } = DefaultSessionMinutes;

    /// <summary>The console page removes the key from the screen after this many seconds (default 180), and at expiry.</summary>
    public int KioskBlankAfterSeconds { get; set; } = DefaultKioskBlankAfterSeconds;

    /// <summary>Reveals of one session (JSON, QR image or console page) allowed within <see cref="RateWindowMinutes"/> (default 10).</summary>
    public int RevealLimit { get; set; } = DefaultRevealLimit;

    /// <summary>Entry checks of one session allowed within <see cref="RateWindowMinutes"/> (default 30): each answers which groups are right.</summary>
    public int EntryCheckLimit { get; set; } = DefaultEntryCheckLimit;

    /// <summary>The sliding window of the two limits above (default 10 minutes).</summary>
    public int RateWindowMinutes { get; set; } = DefaultRateWindowMinutes;

    /// <summary>
    /// Roles whose sessions need no second person: opened by such a role, a session is approved at once,
    /// and the audit log says the approval was waived. Empty by default: every session needs a second person.
    /// </summary>
    public List<Role> ApprovalWaivedForRoles { get; set; } = [];

    /// <summary>Pixels per QR module in PNG images (default 10).</summary>
    public int QrPixelsPerModule { get; set; } = QrImage.DefaultPixelsPerModule;

    /// <summary>How often open sessions are checked for expiry in the background (default 30 s).</summary>
    public int SweepSeconds { get; set; } = DefaultSweepSeconds;

    public TimeSpan SessionLifetime => TimeSpan.FromMinutes(SessionMinutes);

    public TimeSpan RateWindow => TimeSpan.FromMinutes(RateWindowMinutes);
}

internal sealed class RecoveryOptionsValidator : IValidateOptions<RecoveryOptions>
{
    public ValidateOptionsResult Validate(string? name, RecoveryOptions options)
    {
        var errors = new List<string>();
        if (options.SessionMinutes is < 5 or > 24 * 60)
            errors.Add($"{RecoveryOptions.Section}:SessionMinutes must be between 5 and 1440.");
        if (options.KioskBlankAfterSeconds is < 10 or > 3600)
            errors.Add($"{RecoveryOptions.Section}:KioskBlankAfterSeconds must be between 10 and 3600.");
        if (options.RevealLimit is < 1 or > 1000)
            errors.Add($"{RecoveryOptions.Section}:RevealLimit must be between 1 and 1000.");
        if (options.EntryCheckLimit is < 1 or > 1000)
            errors.Add($"{RecoveryOptions.Section}:EntryCheckLimit must be between 1 and 1000.");
        if (options.RateWindowMinutes is < 1 or > 24 * 60)
            errors.Add($"{RecoveryOptions.Section}:RateWindowMinutes must be between 1 and 1440.");
        if (options.QrPixelsPerModule is < QrImage.MinPixelsPerModule or > QrImage.MaxPixelsPerModule)
            errors.Add($"{RecoveryOptions.Section}:QrPixelsPerModule must be between {QrImage.MinPixelsPerModule} and {QrImage.MaxPixelsPerModule}.");
        if (options.SweepSeconds is < 1 or > 3600)
            errors.Add($"{RecoveryOptions.Section}:SweepSeconds must be between 1 and 3600.");
        if (options.ApprovalWaivedForRoles.Any(r => !Enum.IsDefined(r)))
            errors.Add($"{RecoveryOptions.Section}:ApprovalWaivedForRoles names an unknown role.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
