using System.Security.Cryptography;
using RecoveryAssist.Server.Features.Audit;

namespace RecoveryAssist.Server.Tests.Features.Audit;

public class AuditChainTests
{
    private static readonly byte[] HeadKey = RandomNumberGenerator.GetBytes(32);

    private static (List<AuditRecord> Records, AuditHead Head) Chain(int count)
    {
        var records = new List<AuditRecord>();
        var previous = AuditChain.GenesisHash;
        for (var i = 1; i <= count; i++)
        {
            var record = new AuditRecord
            {
                Id = i,
                Time = new DateTime(2026, 11, 28, 12, 0, i, DateTimeKind.Utc),
                Actor = "alice",
                Action = "key.verified",
                Target = $"host:esx{i:D2}",
                Outcome = AuditEntry.Success,
                ClientAddress = "127.0.0.1",
                PreviousHash = previous,
            };
            record.Hash = AuditChain.ComputeHash(record);
            previous = record.Hash;
            records.Add(record);
        }
        var head = new AuditHead { Sequence = count, Hash = previous, Mac = AuditChain.ComputeHeadMac(HeadKey, count, previous) };
        return (records, head);
    }

    [Fact]
    public void Verify_IntactChain_ReturnsNull()
    {
        var (records, head) = Chain(10);

        AuditChain.Verify(records, head, HeadKey).Should().BeNull();
    }

    [Fact]
    public void Verify_EditedRecord_NamesIt()
    {
        var (records, head) = Chain(10);
        records[6].Actor = "mallory";

        AuditChain.Verify(records, head, HeadKey).Should().Be("record 7: edited (its content does not match its hash)");
    }

    [Fact]
    public void Verify_EditedRecordWithRecomputedHash_IsCaughtByTheNext()
    {
        var (records, head) = Chain(10);
        records[6].Outcome = AuditEntry.Denied;
        records[6].Hash = AuditChain.ComputeHash(records[6]);

        AuditChain.Verify(records, head, HeadKey).Should().Be("record 8: does not follow record 7 (reordered or replaced)");
    }

    [Fact]
    public void Verify_DeletedRecord_NamesTheGap()
    {
        var (records, head) = Chain(10);
        records.RemoveAt(3);

        AuditChain.Verify(records, head, HeadKey).Should().StartWith("record 4: missing (deleted)");
    }

    [Fact]
    public void Verify_ReorderedRecords_NamesTheFirst()
    {
        var (records, head) = Chain(10);
        (records[2].Id, records[3].Id) = (records[3].Id, records[2].Id);
        records = records.OrderBy(r => r.Id).ToList();

        AuditChain.Verify(records, head, HeadKey).Should().StartWith("record 3:");
    }

    [Fact]
    public void Verify_TailCutOff_IsCaughtByTheHead()
    {
        var (records, head) = Chain(10);
        records.RemoveRange(8, 2);

        AuditChain.Verify(records, head, HeadKey).Should().StartWith("record 9: missing (deleted)");
    }

    [Fact]
    public void Verify_HeadRewrittenWithoutTheKey_IsCaught()
    {
        var (records, head) = Chain(10);
        records.RemoveRange(8, 2);
        head.Sequence = 8;
        head.Hash = records[^1].Hash;

        AuditChain.Verify(records, head, HeadKey).Should().Be("the head record was altered");
    }
}
