using RecoveryAssist.Core.Boot;

namespace RecoveryAssist.Core.Keys;

/// <summary>
/// What an operator may have in hand from the console page: the bare key, <c>encryptionRecoveryKey=&lt;key&gt;</c>,
/// or the whole text to type at Shift+O (<c>" encryptionRecoveryKey=&lt;key&gt;"</c>, with its leading space).
/// </summary>
public static class ConsoleKeyText
{
    /// <summary>The key part of any of the three forms (surrounding whitespace removed); other text is returned as given, for the key parser to name what is wrong.</summary>
    public static string KeyPart(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        var prefix = BootOptionLine.OptionName + "=";
        return trimmed.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) ? trimmed[prefix.Length..].TrimStart() : trimmed;
    }
}
