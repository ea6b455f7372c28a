using System.Text;

namespace RecoveryAssist.EsxiSimulator.Commands;

/// <summary>What a command printed and how it ended.</summary>
internal sealed record CommandResult(string Stdout, int ExitCode, string Stderr = "")
{
    public static CommandResult Ok(string stdout = "") => new(stdout, 0);

    /// <summary>esxcli's failure: text on stdout (esxi-reference.md: "error text may come on stdout"), exit 1.</summary>
    public static CommandResult EsxcliError(string message) => new(message.EndsWith('\n') ? message : message + "\n", 1);
}

/// <summary>Splits SSH_ORIGINAL_COMMAND the way ESXi's busybox shell would for a simple command.</summary>
internal static class CommandLine
{
    /// <summary>Words with single quotes, double quotes and backslash escapes resolved; null when a quote is left open.</summary>
    public static IReadOnlyList<string>? Split(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case ' ' or '\t' or '\n' or '\r':
                    if (inWord)
                    {
                        words.Add(word.ToString());
                        word.Clear();
                        inWord = false;
                    }
                    break;
                case '\'':
                {
                    var end = text.IndexOf('\'', i + 1);
                    if (end < 0)
                        return null;
                    word.Append(text, i + 1, end - i - 1);
                    i = end;
                    inWord = true;
                    break;
                }
                case '"':
                {
                    i++;
                    while (i < text.Length && text[i] != '"')
                    {
                        if (text[i] == '\\' && i + 1 < text.Length && text[i + 1] is '"' or '\\' or '$' or '`')
                            i++;
                        word.Append(text[i]);
                        i++;
                    }
                    if (i >= text.Length)
                        return null;
                    inWord = true;
                    break;
                }
                case '\\' when i + 1 < text.Length:
                    word.Append(text[++i]);
                    inWord = true;
                    break;
                default:
                    word.Append(c);
                    inWord = true;
                    break;
            }
        }
        if (inWord)
            words.Add(word.ToString());
        return words;
    }

    /// <summary>True when the text uses shell syntax the simulator does not run (pipes, lists, redirections, substitutions).</summary>
    public static bool HasShellOperators(string text)
    {
        var quote = '\0';
        foreach (var c in text)
        {
            if (quote != '\0')
            {
                if (c == quote)
                    quote = '\0';
                continue;
            }
            if (c is '\'' or '"')
                quote = c;
            else if (c is '|' or ';' or '&' or '>' or '<' or '`' or '$')
                return true;
        }
        return false;
    }
}
