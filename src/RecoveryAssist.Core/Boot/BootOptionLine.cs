using RecoveryAssist.Core.Keys;

namespace RecoveryAssist.Core.Boot;

/// <summary>
/// What to type at the ESXi boot loader's Shift+O prompt to recover a secure configuration:
/// keep the existing options, type one space, then <c>encryptionRecoveryKey=&lt;key&gt;</c>.
/// </summary>
/// <remarks>Holds key material: <see cref="ToString"/> is redacted.</remarks>
public sealed class BootOptionLine
{
    public const string OptionName = "encryptionRecoveryKey";

    private BootOptionLine(string textToType, string fullLine, bool replacedExistingOption)
    {
        TextToType = textToType;
        FullLine = fullLine;
        ReplacedExistingOption = replacedExistingOption;
    }

    /// <summary>The text to type after the options already shown: a space, then the option.</summary>
    public string TextToType { get; }

    /// <summary>The whole option line once the key is added (the existing options, then the key option).</summary>
    public string FullLine { get; }

    /// <summary>
    /// True when the existing options already held an <c>encryptionRecoveryKey=</c>: the full line
    /// replaces it, and at the prompt the operator must delete the old one before typing.
    /// </summary>
    public bool ReplacedExistingOption { get; }

    /// <param name="existingOptions">The host's <c>kernelopt</c> as boot.cfg has it, or null/empty when unknown or empty.</param>
    /// <exception cref="ArgumentException">The options hold a character the Shift+O editor cannot take (only printable ASCII).</exception>
    public static BootOptionLine Build(string? existingOptions, RecoveryKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var options = existingOptions ?? "";
        for (var i = 0; i < options.Length; i++)
        {
            if (options[i] is < ' ' or > '~')
                throw new ArgumentException(
                    $"The boot options hold a character the boot loader's editor cannot take at position {i + 1}: only printable ASCII is accepted.",
                    nameof(existingOptions));
        }

        var kept = options.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Where(token => !IsKeyOption(token))
            .ToList();
        var replaced = kept.Count != options.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        var option = $"{OptionName}={key.Reveal()}";
        kept.Add(option);
        return new BootOptionLine(" " + option, string.Join(' ', kept), replaced);
    }

    /// <summary>True for an option token that sets the recovery key (either of ESXi's <c>=</c> or <c>:</c> forms).</summary>
    public static bool IsKeyOption(string token) =>
        token.StartsWith(OptionName + "=", StringComparison.OrdinalIgnoreCase)
        || token.StartsWith(OptionName + ":", StringComparison.OrdinalIgnoreCase);

    public override string ToString() => RecoveryKey.Redacted;
}
