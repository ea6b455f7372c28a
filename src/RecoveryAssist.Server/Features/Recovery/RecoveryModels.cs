using RecoveryAssist.Core.Boot;
using RecoveryAssist.Core.Keys;
using RecoveryAssist.Server.Features.Escrow;

namespace RecoveryAssist.Server.Features.Recovery;

/// <summary>Opens a session for a host named by <paramref name="Host"/> (name) or <paramref name="HostId"/>.</summary>
/// <param name="Reason">tpm-cleared, tpm-failed, motherboard-replaced, disk-moved or other.</param>
/// <param name="Path">console (default) or network.</param>
internal sealed record OpenSessionRequest(string? Host = null, Guid? HostId = null, string? Reason = null, string? Ticket = null, string? Path = null);

/// <param name="Host">Optional: the host the caller is at (name, serial or id); a reveal for another host is refused.</param>
internal sealed record RevealRequest(string? Host = null);

/// <param name="Format">png (default) or svg.</param>
/// <param name="Part">0 (default): one code; 1 or 2: the halves of the two-code variant, scanned in order.</param>
/// <param name="Enter">none (default), lf or cr: what the last code types after the key.</param>
/// <param name="LeadingSpace">Start with a space (default true).</param>
/// <param name="PixelsPerModule">PNG only; the configured size when absent.</param>
internal sealed record QrRequest(string? Format = null, int? Part = null, string? Enter = null, bool? LeadingSpace = null, string? Host = null, int? PixelsPerModule = null);

/// <param name="Typed">What was typed at the prompt: the key, the text to type, or the whole option line.</param>
internal sealed record EntryCheckRequest(string? Typed = null);

internal sealed record CancelRequest(string? Reason = null);

internal sealed record RevealView(DateTime Time, string By, string? ClientAddress, string Form);

internal sealed record SessionEventView(DateTime Time, string State, string Action, string By, string? Detail);

/// <summary>A session as every reader sees it: never key material; reveals counted and listed for approvers.</summary>
internal sealed record SessionView(
    Guid Id,
    Guid HostId,
    string HostName,
    string Reason,
    string Ticket,
    string Path,
    string State,
    string Status,
    string RequestedBy,
    DateTime Opened,
    DateTime Expires,
    string? ApprovedBy,
    DateTime? Approved,
    bool ApprovalWaived,
    int KeyVersion,
    string RecoveryId,
    int RevealCount,
    IReadOnlyList<RevealView> Reveals,
    int EntryCheckCount,
    DateTime? Armed,
    DateTime? HostSeenUp,
    DateTime? Closed,
    string? ClosedBy,
    string? CancelReason,
    IReadOnlyList<SessionEventView> History)
{
    public static SessionView From(RecoverySession s) => new(
        s.Id, s.HostId, s.HostName, SessionNames.Of(s.Reason), s.Ticket, SessionNames.Of(s.Path), SessionNames.Of(s.State),
        SessionNames.Status(s.State), s.RequestedBy, s.Opened, s.Expires, s.ApprovedBy, s.Approved, s.ApprovalWaived,
        s.KeyVersion, s.RecoveryId, s.Reveals.Count,
        s.Reveals.Select(r => new RevealView(r.Time, r.By, r.ClientAddress, r.Form)).ToList(),
        s.EntryChecks.Count, s.Armed, s.HostSeenUp, s.Closed, s.ClosedBy, s.CancelReason,
        s.History.Select(e => new SessionEventView(e.Time, SessionNames.Of(e.State), e.Action, e.By, e.Detail)).ToList());
}

internal sealed record HostIdentityView(
    Guid Id, string Name, string? ManagementAddress, string? Serial, string? SmbiosUuid,
    IReadOnlyList<string> MacAddresses, string? BmcAddress, string? EsxiVersion)
{
    public static HostIdentityView From(HostRecord h) =>
        new(h.Id, h.Name, h.ManagementAddress, h.Serial, h.SmbiosUuid, h.MacAddresses, h.BmcAddress, h.EsxiVersion);
}

internal sealed record KeyGroupView(int Number, string Digits)
{
    public override string ToString() => $"KeyGroupView {{ Number = {Number}, Digits = {RecoveryKey.Redacted} }}";
}

/// <summary>The answer to a reveal: holds key material, is sent once with no-store, and never logged.</summary>
internal sealed record RevealResponse(
    SessionView Session,
    HostIdentityView Host,
    string RecoveryId,
    int KeyVersion,
    string TextToType,
    string? FullLine,
    bool FullLineReplacesExistingOption,
    IReadOnlyList<KeyGroupView> Groups,
    IReadOnlyList<string> Steps,
    IReadOnlyList<string> Warnings,
    IReadOnlyList<CandidateView> Candidates)
{
    public static readonly IReadOnlyList<string> ConsoleSteps =
    [
        "At the ESXi boot loader, press Shift+O.",
        "Keep the options shown; the cursor is at the end of the line.",
        "Type the text to type (it starts with one space) or scan the QR code.",
        "Check the line, then press Enter. The host boots and the appliance sees it up.",
        "Single use: the key is rotated after recovery.",
    ];

    public static RevealResponse From(RevealedKey revealed)
    {
        var line = BootOptionLine.Build(null, revealed.Key);
        BootOptionLine? full = null;
        var warnings = revealed.Warnings.ToList();
        if (!string.IsNullOrEmpty(revealed.Host.KernelOpt))
        {
            try
            {
                full = BootOptionLine.Build(revealed.Host.KernelOpt, revealed.Key);
            }
            catch (ArgumentException e)
            {
                warnings.Add("The host's recorded kernelopt cannot be used: " + e.Message);
            }
        }
        if (full?.ReplacedExistingOption == true)
            warnings.Add("The host's options already hold an encryptionRecoveryKey option: delete it at the prompt before typing.");
        return new RevealResponse(
            SessionView.From(revealed.Session),
            HostIdentityView.From(revealed.Host),
            revealed.Session.RecoveryId,
            revealed.Session.KeyVersion,
            line.TextToType,
            full?.FullLine,
            full?.ReplacedExistingOption ?? false,
            revealed.Key.RevealGroups().Select((g, i) => new KeyGroupView(i + 1, g)).ToList(),
            ConsoleSteps,
            warnings,
            revealed.Candidates.Select(CandidateView.From).ToList());
    }

    public override string ToString() => $"RevealResponse {{ Session = {Session.Id}, Key = {RecoveryKey.Redacted} }}";
}

/// <summary>A second candidate of a reveal (a rotated key whose save is not confirmed), with its label. Holds key material.</summary>
internal sealed record CandidateView(int KeyVersion, string RecoveryId, string Label, string TextToType, IReadOnlyList<KeyGroupView> Groups)
{
    public static CandidateView From(CandidateKey candidate) => new(
        candidate.KeyVersion, candidate.RecoveryId, candidate.Label, BootOptionLine.Build(null, candidate.Key).TextToType,
        candidate.Key.RevealGroups().Select((g, i) => new KeyGroupView(i + 1, g)).ToList());

    public override string ToString() => $"CandidateView {{ Version = {KeyVersion}, Key = {RecoveryKey.Redacted} }}";
}
