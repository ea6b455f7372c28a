using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace RecoveryAssist.Core.Keys;

/// <summary>
/// An ESXi encryption recovery key: 16 groups of 6 digits separated by dashes (KB 312109).
/// </summary>
/// <remarks>
/// Each group carries 16 bits and a position-dependent check: <c>group = word * 11 + (index mod 11)</c>
/// with <c>word &lt; 65536</c> (observed in VMware's published sample; see esxi-reference.md). The check
/// catches any single mistyped digit (10^k mod 11 is ±1, so a change of d·10^k is never a multiple
/// of 11) and two swapped adjacent groups (their residues differ).
/// The key is secret: <see cref="ToString"/> prints <c>[redacted]</c>; the digits come out only
/// through <see cref="Reveal"/> and <see cref="RevealGroups"/>.
/// </remarks>
public sealed class RecoveryKey : IEquatable<RecoveryKey>
{
    public const int GroupCount = 16;
    public const int DigitsPerGroup = 6;
    public const int ByteLength = GroupCount * 2;
    public const string Redacted = "[redacted]";

    private const int CheckModulus = 11;

    private readonly int[] _groups;

    private RecoveryKey(int[] groups, IReadOnlyList<KeyProblem> warnings)
    {
        _groups = groups;
        Warnings = warnings;
    }

    /// <summary>Group-check failures accepted under <see cref="KeyCheck.Warn"/>; empty for a key that passes.</summary>
    public IReadOnlyList<KeyProblem> Warnings { get; }

    public bool PassesGroupCheck => Warnings.Count == 0;

    /// <summary>Parses a key, accepting any whitespace (line breaks included) around the dashes and at the ends.</summary>
    /// <exception cref="RecoveryKeyFormatException">The text is not a key; the message names every faulty group.</exception>
    public static RecoveryKey Parse(string text, KeyCheck check = KeyCheck.Enforce)
    {
        return TryParse(text, check, out var key, out var problems)
            ? key
            : throw new RecoveryKeyFormatException(problems);
    }

    public static bool TryParse(
        string? text,
        KeyCheck check,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RecoveryKey? key,
        out IReadOnlyList<KeyProblem> problems)
    {
        var analysis = Analyze(text);
        key = null;
        problems = analysis.Problems;
        if (analysis.Groups is null)
            return false;
        if (analysis.Problems.Count > 0 && check == KeyCheck.Enforce)
            return false;
        key = new RecoveryKey(analysis.Groups.ToArray(), analysis.Problems);
        problems = [];
        return true;
    }

    /// <summary>
    /// Reads the shape of typed text and checks every group. <see cref="KeyAnalysis.Groups"/> is null
    /// when the text is not 16 groups of 6 digits; otherwise the problems are check failures only.
    /// </summary>
    public static KeyAnalysis Analyze(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return new KeyAnalysis(null, [new KeyProblem(null, "no key was given")]);

        var parts = text.Split('-');
        var problems = new List<KeyProblem>();
        if (parts.Length != GroupCount)
        {
            problems.Add(new KeyProblem(null,
                $"expected {GroupCount} groups of {DigitsPerGroup} digits separated by dashes, found {parts.Length} group{(parts.Length == 1 ? "" : "s")}"));
        }

        var groups = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            var shapeProblem = DescribeShapeProblem(parts[i].AsSpan().Trim(), out groups[i]);
            if (shapeProblem is not null)
                problems.Add(new KeyProblem(i + 1, shapeProblem));
        }

        if (problems.Count > 0)
            return new KeyAnalysis(null, problems);

        for (var i = 0; i < GroupCount; i++)
        {
            var checkProblem = DescribeCheckProblem(i, groups[i]);
            if (checkProblem is not null)
                problems.Add(new KeyProblem(i + 1, checkProblem));
        }

        return new KeyAnalysis(groups, problems);
    }

    /// <summary>Encodes 32 bytes (16 little-endian 16-bit words) as a key that passes the group check.</summary>
    public static RecoveryKey FromBytes(ReadOnlySpan<byte> value)
    {
        if (value.Length != ByteLength)
            throw new ArgumentException($"A recovery key holds exactly {ByteLength} bytes.", nameof(value));
        var groups = new int[GroupCount];
        for (var i = 0; i < GroupCount; i++)
        {
            var word = BinaryPrimitives.ReadUInt16LittleEndian(value.Slice(i * 2, 2));
            groups[i] = word * CheckModulus + i % CheckModulus;
        }
        return new RecoveryKey(groups, []);
    }

    /// <summary>A new random key (for labs, tests and the ESXi simulator; ESXi generates real ones).</summary>
    public static RecoveryKey Generate()
    {
        Span<byte> value = stackalloc byte[ByteLength];
        RandomNumberGenerator.Fill(value);
        var key = FromBytes(value);
        CryptographicOperations.ZeroMemory(value);
        return key;
    }

    /// <summary>The 32-byte value. Only a key that passes the group check has one.</summary>
    public byte[] ToBytes()
    {
        if (!PassesGroupCheck)
            throw new InvalidOperationException("A key that fails the group check has no 32-byte value.");
        var value = new byte[ByteLength];
        for (var i = 0; i < GroupCount; i++)
            BinaryPrimitives.WriteUInt16LittleEndian(value.AsSpan(i * 2, 2), (ushort)(_groups[i] / CheckModulus));
        return value;
    }

    /// <summary>The canonical text, as ESXi prints it: 16 zero-padded groups joined by dashes.</summary>
    public string Reveal()
    {
        var text = new StringBuilder(GroupCount * (DigitsPerGroup + 1));
        for (var i = 0; i < GroupCount; i++)
        {
            if (i > 0)
                text.Append('-');
            text.Append(FormatGroup(_groups[i]));
        }
        return text.ToString();
    }

    /// <summary>The 16 groups, zero-padded, in order (for reading aloud or typing group by group).</summary>
    public IReadOnlyList<string> RevealGroups() => _groups.Select(FormatGroup).ToArray();

    /// <summary>Compares two keys in time that does not depend on where they differ.</summary>
    public bool FixedTimeEquals(RecoveryKey? other)
    {
        if (other is null)
            return false;
        var difference = 0;
        for (var i = 0; i < GroupCount; i++)
            difference |= _groups[i] ^ other._groups[i];
        return difference == 0;
    }

    public bool Equals(RecoveryKey? other) => FixedTimeEquals(other);

    public override bool Equals(object? obj) => obj is RecoveryKey other && FixedTimeEquals(other);

    // A constant hash: keys are never used as dictionary keys, and a hash of the digits would leak them.
    public override int GetHashCode() => GroupCount;

    public override string ToString() => Redacted;

    internal static string FormatGroup(int group) =>
        group.ToString("D6", System.Globalization.CultureInfo.InvariantCulture);

    private static string? DescribeShapeProblem(ReadOnlySpan<char> part, out int value)
    {
        value = 0;
        if (part.IsEmpty)
            return "is empty";
        var digits = 0;
        foreach (var c in part)
        {
            if (char.IsAsciiDigit(c))
            {
                digits++;
                value = value * 10 + (c - '0');
            }
            else if (char.IsWhiteSpace(c))
            {
                return "has a space or line break inside the group";
            }
            else
            {
                return "contains a character that is not a digit";
            }
        }
        return digits == DigitsPerGroup
            ? null
            : $"has {digits} digit{(digits == 1 ? "" : "s")}, expected {DigitsPerGroup}";
    }

    private static string? DescribeCheckProblem(int index, int group)
    {
        if (group / CheckModulus > ushort.MaxValue)
            return "value is out of range (mistyped?)";
        if (group % CheckModulus != index % CheckModulus)
            return "check digit does not match (mistyped, or groups swapped?)";
        return null;
    }
}

/// <summary>The result of reading typed text as a key: the groups when their shape is right, and every problem found.</summary>
public sealed record KeyAnalysis(IReadOnlyList<int>? Groups, IReadOnlyList<KeyProblem> Problems)
{
    public override string ToString() => $"KeyAnalysis {{ Groups = {RecoveryKey.Redacted}, Problems = [{string.Join("; ", Problems)}] }}";
}
