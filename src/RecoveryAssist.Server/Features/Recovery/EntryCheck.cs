using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using RecoveryAssist.Core.Boot;
using RecoveryAssist.Core.Keys;

namespace RecoveryAssist.Server.Features.Recovery;

/// <summary>How one typed group compares with the escrowed key.</summary>
internal enum GroupStatus
{
    /// <summary>The group is the escrowed group.</summary>
    Ok,

    /// <summary>Six digits that pass the group check but are not the escrowed group (a wrong key, or a group typed from another sheet).</summary>
    Differs,

    /// <summary>Six digits that fail the group check: a mistyped digit, or groups swapped.</summary>
    FailsCheck,

    /// <summary>Not six digits.</summary>
    Malformed,

    /// <summary>Not typed at all.</summary>
    Missing,
}

internal sealed record GroupResult(int Number, GroupStatus Status, string? Problem);

/// <summary>The outcome of an entry check; holds no digits, so it may be shown, logged and audited.</summary>
internal sealed record EntryCheckResult(bool Matches, bool OptionNamePresent, IReadOnlyList<GroupResult> Groups, IReadOnlyList<string> Problems)
{
    /// <summary>Which escrowed key the entry matched, when the session offers more than one (e.g. "the saved key, version 1").</summary>
    public string? MatchedKey { get; init; }

    /// <summary>One line for the audit log, e.g. "matches" or "groups 3, 7 differ; group 9 fails the check".</summary>
    public string Summary()
    {
        if (Matches)
            return MatchedKey is null ? "entry matches the escrowed key" : "entry matches " + MatchedKey;
        var parts = new List<string>();
        foreach (var (status, words) in new[]
                 {
                     (GroupStatus.Differs, "differ"), (GroupStatus.FailsCheck, "fail the group check"),
                     (GroupStatus.Malformed, "are malformed"), (GroupStatus.Missing, "are missing"),
                 })
        {
            var numbers = Groups.Where(g => g.Status == status).Select(g => g.Number.ToString(CultureInfo.InvariantCulture)).ToList();
            if (numbers.Count > 0)
                parts.Add($"groups {string.Join(", ", numbers)} {words}");
        }
        parts.AddRange(Problems);
        return "entry does not match: " + string.Join("; ", parts);
    }
}

/// <summary>
/// Compares what an operator typed (or scanned) with the escrowed key, group by group, and says which
/// groups are wrong without ever saying what the right digits are.
/// </summary>
internal static class EntryCheck
{
    public const int MaxInputLength = 4096;

    /// <param name="typed">The key, the text to type (<c>" encryptionRecoveryKey=..."</c>) or the whole boot option line.</param>
    public static EntryCheckResult Compare(RecoveryKey escrowed, string? typed)
    {
        ArgumentNullException.ThrowIfNull(escrowed);
        var problems = new List<string>();
        var text = (typed ?? "").Trim();
        var optionName = BootOptionLine.OptionName + "=";
        var at = text.LastIndexOf(optionName, StringComparison.OrdinalIgnoreCase);
        var present = at >= 0;
        if (present)
            text = text[(at + optionName.Length)..];
        // After the key there may be nothing else on the line: anything after a space is another option.
        var end = text.IndexOfAny([' ', '\t']);
        if (end >= 0 && present)
        {
            problems.Add("there is more text after the key on the line");
            text = text[..end];
        }

        var expected = escrowed.RevealGroups();
        var parts = text.Length == 0 ? [] : text.Split('-');
        if (parts.Length > RecoveryKey.GroupCount)
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{parts.Length} groups were typed; a key has {RecoveryKey.GroupCount}"));
        var groups = new List<GroupResult>(RecoveryKey.GroupCount);
        for (var i = 0; i < RecoveryKey.GroupCount; i++)
            groups.Add(Group(i, i < parts.Length ? parts[i].Trim() : null, expected[i]));
        var matches = parts.Length == RecoveryKey.GroupCount && problems.Count == 0 && groups.All(g => g.Status == GroupStatus.Ok);
        return new EntryCheckResult(matches, present, groups, problems);
    }

    private static GroupResult Group(int index, string? typed, string expected)
    {
        var number = index + 1;
        if (string.IsNullOrEmpty(typed))
            return new GroupResult(number, GroupStatus.Missing, "not typed");
        if (typed.Length != RecoveryKey.DigitsPerGroup || !typed.All(char.IsAsciiDigit))
        {
            var digits = typed.Count(char.IsAsciiDigit);
            return new GroupResult(number, GroupStatus.Malformed, digits == typed.Length
                ? string.Create(CultureInfo.InvariantCulture, $"has {digits} digits, expected {RecoveryKey.DigitsPerGroup}")
                : "holds a character that is not a digit");
        }
        if (CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(typed), Encoding.ASCII.GetBytes(expected)))
            return new GroupResult(number, GroupStatus.Ok, null);
        var value = int.Parse(typed, NumberStyles.None, CultureInfo.InvariantCulture);
        return value % 11 != index % 11 || value / 11 > ushort.MaxValue
            ? new GroupResult(number, GroupStatus.FailsCheck, "fails the group check: a digit is mistyped, or groups are swapped")
            : new GroupResult(number, GroupStatus.Differs, "is not the escrowed group");
    }
}
