namespace RecoveryAssist.EndToEnd.Tests.Appliance;

/// <summary>The [Service] settings of a unit file that the tests start the appliance with, read as systemd reads them.</summary>
internal sealed class SystemdUnit
{
    private readonly List<(string Section, string Key, string Value)> _entries = [];

    public static SystemdUnit Parse(string text)
    {
        var unit = new SystemdUnit();
        var section = "";
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
                continue;
            if (line.StartsWith('[') && line.EndsWith(']'))
            {
                section = line[1..^1];
                continue;
            }
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
                unit._entries.Add((section, line[..equals].Trim(), line[(equals + 1)..].Trim()));
        }
        return unit;
    }

    public IReadOnlyList<string> All(string key) =>
        _entries.Where(e => e.Section == "Service" && e.Key == key).Select(e => e.Value).ToList();

    public string Single(string key) => All(key) is [var value] ? value : throw new InvalidOperationException($"[Service] {key}= is not set exactly once.");

    /// <summary>ExecStart= split into the program and its arguments (the unit quotes nothing).</summary>
    public IReadOnlyList<string> ExecStart => Single("ExecStart").Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Every Environment= assignment, in order (a later one wins).</summary>
    public IReadOnlyDictionary<string, string> Environment
    {
        get
        {
            var environment = new Dictionary<string, string>();
            foreach (var assignment in All("Environment").SelectMany(v => v.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
            {
                var equals = assignment.IndexOf('=', StringComparison.Ordinal);
                environment[assignment[..equals]] = assignment[(equals + 1)..];
            }
            return environment;
        }
    }
}
