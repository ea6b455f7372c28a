using System.Text.Json;

namespace RecoveryAssist.Server.Features.Audit;

/// <summary>
/// Compares the store's audit chain with the copy the sink wrote off the box. A chain rewritten by whoever
/// holds the KEK verifies on its own; it cannot match a copy it could not reach.
/// </summary>
internal static class AuditCopy
{
    /// <summary>Null when every record of the copy is in the store with the same hash; otherwise the first difference.</summary>
    /// <param name="store">The store's records by sequence number.</param>
    /// <param name="copyLines">The copy's JSON lines, oldest first.</param>
    public static string? Compare(IReadOnlyDictionary<long, AuditRecord> store, IEnumerable<string> copyLines)
    {
        var line = 0;
        foreach (var text in copyLines)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
                continue;
            long id;
            string? hash;
            try
            {
                using var json = JsonDocument.Parse(text);
                id = json.RootElement.GetProperty("id").GetInt64();
                hash = json.RootElement.GetProperty("hash").GetString();
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                return $"copy line {line}: not an audit record ({e.GetType().Name})";
            }
            if (!store.TryGetValue(id, out var record))
                return $"record {id}: in the copy (line {line}) but missing from the store";
            if (!string.Equals(record.Hash, hash, StringComparison.Ordinal))
                return $"record {id}: the store's hash differs from the copy's (line {line}): the store was rewritten";
        }
        return null;
    }
}
