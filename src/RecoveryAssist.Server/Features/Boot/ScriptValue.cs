namespace RecoveryAssist.Server.Features.Boot;

/// <summary>A value refused for an iPXE script. The message names the placeholder and the position, never the value.</summary>
internal sealed class ScriptValueException(string placeholder, string message) : Exception(message)
{
    public string Placeholder { get; } = placeholder;
}

/// <summary>
/// A value that may be placed in an iPXE script. iPXE has no quoting: a line is split on whitespace
/// before settings are expanded, <c>#</c> starts a comment, <c>||</c> <c>&amp;&amp;</c> <c>;</c> are operators
/// and <c>${...}</c> is expanded again and again. So every value is checked against a small alphabet
/// that holds none of these; a value that does not fit is refused, never escaped.
/// </summary>
internal readonly record struct ScriptValue
{
    public const int MaxWordLength = 253;
    public const int MaxUrlLength = 1024;

    private ScriptValue(string text) => Text = text;

    public string Text { get; }

    public override string ToString() => Text;

    public static readonly ScriptValue Empty = new("");

    /// <summary>A host, session or image name, a status: letters, digits and <c>-._:</c>.</summary>
    public static ScriptValue Word(string placeholder, string? value)
    {
        if (string.IsNullOrEmpty(value))
            throw new ScriptValueException(placeholder, $"{{{{{placeholder}}}}}: the value is empty");
        if (value.Length > MaxWordLength)
            throw new ScriptValueException(placeholder, $"{{{{{placeholder}}}}}: the value is longer than {MaxWordLength} characters");
        Check(placeholder, value, IsWordChar, "letters, digits and -._:");
        return new ScriptValue(value);
    }

    public static ScriptValue Number(string placeholder, int value)
    {
        if (value < 0)
            throw new ScriptValueException(placeholder, $"{{{{{placeholder}}}}}: the value is negative");
        return new ScriptValue(value.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>An absolute http:// or tftp:// URL whose characters iPXE reads as one plain token.</summary>
    public static ScriptValue Url(string placeholder, string? value)
    {
        if (string.IsNullOrEmpty(value))
            throw new ScriptValueException(placeholder, $"{{{{{placeholder}}}}}: the value is empty");
        if (value.Length > MaxUrlLength)
            throw new ScriptValueException(placeholder, $"{{{{{placeholder}}}}}: the URL is longer than {MaxUrlLength} characters");
        Check(placeholder, value, IsUrlChar, "letters, digits and -._~:/?=%+,@[]");
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "tftp"))
            throw new ScriptValueException(placeholder, $"{{{{{placeholder}}}}}: not an absolute http:// or tftp:// URL (this iPXE has no HTTPS)");
        return new ScriptValue(value);
    }

    /// <summary>
    /// Text chosen by the code from a closed set of constants (such as the local-boot command).
    /// Never pass data here.
    /// </summary>
    public static ScriptValue Trusted(string constant) => new(constant);

    private static void Check(string placeholder, string value, Func<char, bool> allowed, string alphabet)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (!allowed(value[i]))
            {
                throw new ScriptValueException(placeholder,
                    $"{{{{{placeholder}}}}}: character {i + 1} ({Describe(value[i])}) is not allowed in an iPXE script; only {alphabet}");
            }
        }
        if (value.Contains("${", StringComparison.Ordinal))
            throw new ScriptValueException(placeholder, $"{{{{{placeholder}}}}}: '${{' would be expanded by iPXE");
    }

    // Names the character class only: a refused value may be a secret typed in the wrong field.
    private static string Describe(char c) => c switch
    {
        ' ' or '\t' => "whitespace",
        '\r' or '\n' => "a line break",
        '#' => "'#'",
        '$' => "'$'",
        '{' or '}' => "a brace",
        '|' or '&' or ';' => "an operator character",
        '"' or '\'' or '`' or '\\' => "a quote or backslash",
        _ when char.IsControl(c) => "a control character",
        _ when c > '~' => "a non-ASCII character",
        _ => "a punctuation character",
    };

    private static bool IsWordChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or ':';

    private static bool IsUrlChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~' or ':' or '/' or '?' or '=' or '%' or '+' or ',' or '@' or '[' or ']';
}
