namespace RecoveryAssist.Core.Esxcli;

/// <summary>A field's text and the line it came from. <see cref="Text"/> is null for a nested list or structure.</summary>
internal sealed record FieldValue(string? Text, int LineNumber);

/// <summary>
/// One esxcli structure read from csv, keyvalue, xml or <c>Name: value</c> text: fields by name.
/// </summary>
/// <remarks>
/// Names are compared without spaces and case, so the text form's "Require Secure Boot", the csv
/// header's "RequireSecureBoot" and an xml field name match one another. Fields the caller does not
/// ask for are ignored, so a field added by a later ESXi release does not break the parser; a field
/// that is asked for and missing is an error.
/// </remarks>
internal sealed class FieldRecord
{
    private readonly Dictionary<string, FieldValue> _fields = new(StringComparer.OrdinalIgnoreCase);

    public FieldRecord(int lineNumber)
    {
        LineNumber = lineNumber;
        LastLineNumber = lineNumber;
    }

    /// <summary>The line where the record starts.</summary>
    public int LineNumber { get; }

    /// <summary>The last line that belongs to the record (where a missing field is reported).</summary>
    public int LastLineNumber { get; private set; }

    public int Count => _fields.Count;

    public void Add(string name, FieldValue value)
    {
        if (!_fields.TryAdd(Normalize(name), value))
            throw new EsxcliParseException(value.LineNumber, "expected each field once per structure, found a field twice");
        LastLineNumber = Math.Max(LastLineNumber, value.LineNumber);
    }

    public bool TryGet(string name, out FieldValue value) => _fields.TryGetValue(Normalize(name), out value!);

    /// <summary>The text of a field that must be present and hold a single value.</summary>
    /// <param name="name">The field name as esxcli's text form prints it, e.g. "Require Secure Boot".</param>
    public FieldValue Require(string name)
    {
        if (!TryGet(name, out var value))
            throw new EsxcliParseException(LastLineNumber, $"expected the field \"{name}\" in the structure starting on line {LineNumber}");
        if (value.Text is null)
            throw new EsxcliParseException(value.LineNumber, $"expected a single value in the field \"{name}\", found a list or structure");
        return value;
    }

    private static string Normalize(string name) => name.Replace(" ", "", StringComparison.Ordinal);
}
