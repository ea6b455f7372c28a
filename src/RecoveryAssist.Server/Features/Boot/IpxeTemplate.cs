using System.Reflection;
using System.Text;

namespace RecoveryAssist.Server.Features.Boot;

/// <summary>
/// One iPXE script template from <c>ipxe/</c>, parsed once. <c>{{name}}</c> is replaced by a value;
/// a line that starts with <c>?name </c> is kept (without the marker) only when <c>name</c> has a
/// non-empty value. Rendering happens into a buffer: a missing or invalid value throws before
/// any byte leaves, so a client never receives half a script.
/// </summary>
internal sealed class IpxeTemplate
{
    private readonly Segment[] _segments;

    private IpxeTemplate(string name, Segment[] segments, IReadOnlyCollection<string> placeholders)
    {
        Name = name;
        _segments = segments;
        Placeholders = placeholders;
    }

    public string Name { get; }

    /// <summary>Every placeholder the template uses.</summary>
    public IReadOnlyCollection<string> Placeholders { get; }

    public static IpxeTemplate Parse(string name, string text)
    {
        var segments = new List<Segment>();
        var placeholders = new SortedSet<string>(StringComparer.Ordinal);
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var count = lines.Length > 0 && lines[^1].Length == 0 ? lines.Length - 1 : lines.Length;
        for (var i = 0; i < count; i++)
        {
            var line = lines[i];
            string? condition = null;
            if (line.StartsWith('?'))
            {
                var space = line.IndexOf(' ', StringComparison.Ordinal);
                if (space < 2)
                    throw new FormatException($"{name} line {i + 1}: a conditional line is '?name text'.");
                condition = line[1..space];
                placeholders.Add(condition);
                line = line[(space + 1)..];
            }
            var parts = new List<(string Literal, string? Placeholder)>();
            var position = 0;
            while (position < line.Length)
            {
                var open = line.IndexOf("{{", position, StringComparison.Ordinal);
                if (open < 0)
                {
                    parts.Add((line[position..], null));
                    break;
                }
                var close = line.IndexOf("}}", open, StringComparison.Ordinal);
                if (close < 0)
                    throw new FormatException($"{name} line {i + 1}: '{{{{' without '}}}}'.");
                var placeholder = line[(open + 2)..close];
                if (placeholder.Length == 0 || !placeholder.All(c => char.IsAsciiLetterLower(c) || c == '_'))
                    throw new FormatException($"{name} line {i + 1}: a placeholder name is lower-case letters and '_'.");
                placeholders.Add(placeholder);
                parts.Add((line[position..open], placeholder));
                position = close + 2;
            }
            segments.Add(new Segment(condition, [.. parts]));
        }
        return new IpxeTemplate(name, [.. segments], placeholders);
    }

    /// <summary>Loads a template embedded from the repository's <c>ipxe/</c> directory.</summary>
    public static IpxeTemplate Embedded(string fileName)
    {
        var assembly = typeof(IpxeTemplate).Assembly;
        using var stream = assembly.GetManifestResourceStream("ipxe/" + fileName)
            ?? throw new InvalidOperationException($"The iPXE template {fileName} is not embedded in {assembly.GetName().Name}.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return Parse(fileName, reader.ReadToEnd());
    }

    /// <summary>Renders the whole script, or throws <see cref="ScriptValueException"/> and renders nothing.</summary>
    public string Render(IReadOnlyDictionary<string, ScriptValue> values)
    {
        var text = new StringBuilder(512);
        foreach (var segment in _segments)
        {
            if (segment.Condition is { } condition && Lookup(values, condition).Text.Length == 0)
                continue;
            foreach (var (literal, placeholder) in segment.Parts)
            {
                text.Append(literal);
                if (placeholder is not null)
                    text.Append(Lookup(values, placeholder).Text);
            }
            text.Append('\n');
        }
        return text.ToString();
    }

    private ScriptValue Lookup(IReadOnlyDictionary<string, ScriptValue> values, string placeholder) =>
        values.TryGetValue(placeholder, out var value)
            ? value
            : throw new ScriptValueException(placeholder, $"{Name}: no value for {{{{{placeholder}}}}}");

    private sealed record Segment(string? Condition, (string Literal, string? Placeholder)[] Parts);
}

/// <summary>The templates of the boot flow, loaded once.</summary>
internal sealed class IpxeTemplates
{
    public IpxeTemplate Bootstrap { get; } = IpxeTemplate.Embedded("bootstrap.ipxe");

    public IpxeTemplate Local { get; } = IpxeTemplate.Embedded("local.ipxe");

    public IpxeTemplate Menu { get; } = IpxeTemplate.Embedded("menu.ipxe");
}
