namespace RecoveryAssist.Core.Esxcli;

/// <summary>The output forms of esxcli that RecoveryAssist reads.</summary>
public enum EsxcliFormat
{
    /// <summary>
    /// esxcli's default human form: a column table (<c>recovery list</c>) or, for commands that
    /// return one structure, <c>Name: value</c> lines (<c>encryption get</c>).
    /// </summary>
    Table,

    /// <summary><c>--formatter=csv</c>: a header of field names, each followed by a comma.</summary>
    Csv,

    /// <summary><c>--formatter=keyvalue</c>: <c>[structure[N].]&lt;Type&gt;.&lt;Field&gt;.&lt;type&gt;=value</c>.</summary>
    KeyValue,

    /// <summary><c>--formatter=xml</c>: <c>&lt;output&gt;&lt;root&gt;...&lt;structure&gt;&lt;field name=...&gt;</c>.</summary>
    Xml,
}
