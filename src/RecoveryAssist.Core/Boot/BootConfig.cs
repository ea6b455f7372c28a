using System.Globalization;
using System.Text;

namespace RecoveryAssist.Core.Boot;

/// <summary>
/// An ESXi <c>boot.cfg</c>, read and written back line for line: comments, blank lines, key order
/// and keys we do not know survive a round trip, and only the lines that were set change.
/// </summary>
/// <remarks>
/// Keys read by mboot and safeboot are listed in esxi-reference.md. When a key appears twice the
/// last one wins, as in mboot's parser, and setting it rewrites that last line.
/// </remarks>
public sealed class BootConfig
{
    public const string ModuleSeparator = " --- ";

    private readonly List<Line> _lines;
    private readonly string _newLine;

    private BootConfig(List<Line> lines, string newLine)
    {
        _lines = lines;
        _newLine = newLine;
    }

    /// <exception cref="BootConfigFormatException">A line is neither blank, a comment, nor <c>key=value</c>.</exception>
    public static BootConfig Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var newLine = text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        var rawLines = text.Split('\n');
        // A final newline leaves one empty element that is not a line of its own.
        var count = rawLines.Length > 0 && rawLines[^1].Length == 0 ? rawLines.Length - 1 : rawLines.Length;
        var lines = new List<Line>(count);
        for (var i = 0; i < count; i++)
        {
            var raw = rawLines[i].TrimEnd('\r');
            var content = raw.Trim();
            if (content.Length == 0 || content[0] == '#')
            {
                lines.Add(new Line(raw, null, null));
                continue;
            }
            var equals = content.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
                throw new BootConfigFormatException(i + 1, "expected key=value, a comment (#) or a blank line");
            var key = content[..equals].Trim();
            if (key.Any(c => !(char.IsAsciiLetterOrDigit(c) || c == '_')))
                throw new BootConfigFormatException(i + 1, "a key has only letters, digits and underscores");
            lines.Add(new Line(raw, key, content[(equals + 1)..].Trim()));
        }
        return new BootConfig(lines, newLine);
    }

    public string? Kernel { get => Get("kernel"); set => SetOrRemove("kernel", value); }

    /// <summary>The options the boot loader passes to the kernel; Shift+O shows them for editing.</summary>
    public string? KernelOpt { get => Get("kernelopt"); set => SetOrRemove("kernelopt", value); }

    public string? Prefix { get => Get("prefix"); set => SetOrRemove("prefix", value); }

    public string? Title { get => Get("title"); set => SetOrRemove("title", value); }

    public string? Build { get => Get("build"); set => SetOrRemove("build", value); }

    public int? Timeout { get => GetInt("timeout"); set => SetOrRemove("timeout", Format(value)); }

    public int? Updated { get => GetInt("updated"); set => SetOrRemove("updated", Format(value)); }

    public BootState? BootState
    {
        get => GetInt("bootstate") is { } state && Enum.IsDefined(typeof(BootState), state) ? (BootState)state : null;
        set => SetOrRemove("bootstate", Format((int?)value));
    }

    /// <summary>The modules, in load order, as the <c>modules</c> key lists them separated by <c> --- </c>.</summary>
    public IReadOnlyList<string> Modules
    {
        get => Get("modules") is { Length: > 0 } modules
            ? modules.Split("---", StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            : [];
        set => Set("modules", string.Join(ModuleSeparator, value));
    }

    public IEnumerable<string> Keys => _lines.Where(l => l.Key is not null).Select(l => l.Key!).Distinct(StringComparer.Ordinal);

    public string? Get(string key) => FindLast(key) is { } index ? _lines[index].Value : null;

    public void Set(string key, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        if (value.Contains('\n', StringComparison.Ordinal) || value.Contains('\r', StringComparison.Ordinal))
            throw new ArgumentException("A boot.cfg value is one line.", nameof(value));
        var line = new Line($"{key}={value}", key, value);
        if (FindLast(key) is { } index)
            _lines[index] = line;
        else
            _lines.Add(line);
    }

    public void Remove(string key) => _lines.RemoveAll(l => l.Key == key);

    /// <summary>The text, unchanged lines exactly as read, with the original line ending.</summary>
    public string Write()
    {
        var text = new StringBuilder();
        foreach (var line in _lines)
            text.Append(line.Raw).Append(_newLine);
        return text.ToString();
    }

    public BootConfig Clone() => new([.. _lines], _newLine);

    // kernelopt may carry a recovery key once a session sets it: never print the content.
    public override string ToString() => $"boot.cfg ({_lines.Count} lines)";

    private int? GetInt(string key) =>
        int.TryParse(Get(key), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static string? Format(int? value) => value?.ToString(CultureInfo.InvariantCulture);

    private void SetOrRemove(string key, string? value)
    {
        if (value is null)
            Remove(key);
        else
            Set(key, value);
    }

    private int? FindLast(string key)
    {
        for (var i = _lines.Count - 1; i >= 0; i--)
        {
            if (_lines[i].Key == key)
                return i;
        }
        return null;
    }

    private sealed record Line(string Raw, string? Key, string? Value);
}

/// <summary>safeboot's <c>bootstate</c>: which boot bank it may boot.</summary>
public enum BootState
{
    Valid = 0,
    Upgrading = 1,
    Dirty = 2,
    Invalid = 3,
}

public sealed class BootConfigFormatException(int lineNumber, string problem)
    : FormatException($"boot.cfg line {lineNumber}: {problem}")
{
    public int LineNumber { get; } = lineNumber;
}
