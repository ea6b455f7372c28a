using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace RecoveryAssist.Server.Features.Audit;

/// <summary>The pure rules of the hash chain: how a link's hash is made and how a chain is checked.</summary>
internal static class AuditChain
{
    public const string GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

    /// <summary>SHA-256 over the previous hash and every field, as a JSON array so that no two records share a text.</summary>
    public static string ComputeHash(AuditRecord record)
    {
        var canonical = JsonSerializer.Serialize(new[]
        {
            record.Id.ToString(CultureInfo.InvariantCulture),
            FormatTime(record.Time),
            record.Actor,
            record.Action,
            record.Target,
            record.Outcome,
            record.ClientAddress,
            record.Detail,
            record.PreviousHash,
        });
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    /// <summary>LiteDB keeps milliseconds: hash the time as stored, not as made.</summary>
    public static DateTime Truncate(DateTimeOffset time) =>
        new(time.UtcTicks - time.UtcTicks % TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);

    public static string ComputeHeadMac(ReadOnlySpan<byte> key, long sequence, string hash) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.ASCII.GetBytes($"{sequence}|{hash}")));

    /// <summary>
    /// Checks records in sequence order against the chain and the head. Returns null when the chain
    /// holds, or the first problem: an edited, deleted, inserted or reordered record, or a cut tail.
    /// </summary>
    public static string? Verify(IEnumerable<AuditRecord> recordsInIdOrder, AuditHead? head, ReadOnlySpan<byte> headKey)
    {
        var expectedId = 1L;
        var previousHash = GenesisHash;
        foreach (var record in recordsInIdOrder)
        {
            if (record.Id != expectedId)
            {
                return record.Id > expectedId
                    ? $"record {expectedId}: missing (deleted), the chain jumps to record {record.Id}"
                    : $"record {record.Id}: out of order after record {expectedId - 1}";
            }
            if (record.PreviousHash != previousHash)
                return $"record {record.Id}: does not follow record {record.Id - 1} (reordered or replaced)";
            if (ComputeHash(record) != record.Hash)
                return $"record {record.Id}: edited (its content does not match its hash)";
            previousHash = record.Hash;
            expectedId++;
        }

        var count = expectedId - 1;
        if (head is null)
            return count == 0 ? null : "the head record is missing";
        if (head.Mac != ComputeHeadMac(headKey, head.Sequence, head.Hash))
            return "the head record was altered";
        if (head.Sequence != count || head.Hash != previousHash)
            return head.Sequence > count
                ? $"record {count + 1}: missing (deleted); the head says the log has {head.Sequence} records"
                : $"record {head.Sequence + 1}: not in the head (appended outside the appliance)";
        return null;
    }

    internal static string FormatTime(DateTime time) =>
        time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
