using LiteDB;

namespace RecoveryAssist.Server.Storage;

/// <summary>
/// Query expressions whose text does not change with the value. LiteDB's own <c>Query.EQ</c> writes the value
/// into the expression's text, and LiteDB compiles every new text to a delegate and caches it forever: on a
/// hot path (a lookup per imported host) that is both the main cost and an unbounded memory leak.
/// </summary>
internal static class DbQuery
{
    /// <summary><c>$.field = @0</c>, compiled once per field, the value passed as a parameter (indexes still apply).</summary>
    public static BsonExpression Equal(string field, BsonValue value) => BsonExpression.Create($"$.{field} = @0", value);
}
