using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using RecoveryAssist.Server.Features.Audit;
using RecoveryAssist.Server.Offline;
using RecoveryAssist.Server.Storage;

namespace RecoveryAssist.Server.Tests.Features.Audit;

/// <summary>Finding 9 of issue 13: integrity checked at start, and an audit copy off the box.</summary>
public sealed class IntegrityTests
{
    [Fact]
    public async Task Healthz_DamagedPagesInTheStore_DegradedWithTheReasonAndStillServes()
    {
        var dataDirectory = TestDirectory.NewPath("ra-flip-");
        try
        {
            await StoreDamage.StoreWithManyAuditRecordsAsync(dataDirectory);
            StoreDamage.DamageMiddle(dataDirectory);

            await using var appliance = await TestAppliance.StartAsync(dataDirectory);
            var health = await appliance.Anonymous().GetFromJsonAsync<JsonElement>("/healthz");

            health.GetProperty("status").GetString().Should().Be("degraded", health.ToString());
            health.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()).Should().Contain(r => r!.Contains("audit") || r.Contains("collection"));
            (await (await appliance.SignedInAsync("auditor")).GetAsync("/api/hosts/")).StatusCode.Should().Be(HttpStatusCode.OK, "what works is still served");
        }
        finally
        {
            TestDirectory.Delete(dataDirectory);
        }
    }

    [Fact]
    public async Task Healthz_IntactStore_Ok()
    {
        await using var appliance = await TestAppliance.StartAsync();

        var health = await appliance.Anonymous().GetFromJsonAsync<JsonElement>("/healthz");

        health.GetProperty("status").GetString().Should().Be("ok");
    }

    [Fact]
    public async Task Sink_FileAndSyslog_EveryCommittedRecordWithItsChainHash()
    {
        var outside = TestDirectory.NewPath("ra-sink-");
        Directory.CreateDirectory(outside);
        using var receiver = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)receiver.Client.LocalEndPoint!).Port;
        var sinkFile = Path.Combine(outside, "audit.jsonl");
        try
        {
            await using var appliance = await TestAppliance.StartAsync((string?)null, $"--RecoveryAssist:Audit:SinkFile={sinkFile}", $"--RecoveryAssist:Audit:Syslog=udp://127.0.0.1:{port}");
            appliance.CreateUser("sink-user", "technician");
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var datagrams = new List<string>();
            while (!datagrams.Any(d => d.Contains("user:sink-user", StringComparison.Ordinal)))
                datagrams.Add(Encoding.UTF8.GetString((await receiver.ReceiveAsync(timeout.Token)).Buffer));
            var stored = appliance.Services.GetRequiredService<AuditLog>().Read(0, 1000);

            var lines = File.ReadAllLines(sinkFile).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            lines.Select(l => (l.GetProperty("id").GetInt64(), l.GetProperty("hash").GetString())).Should().Equal(stored.Select(r => (r.Id, (string?)r.Hash)));
            var created = stored.Single(r => r.Target == "user:sink-user");
            datagrams.Should().Contain(d => d.StartsWith("<86>1 ", StringComparison.Ordinal) && d.Contains(" recoveryassist ") && d.Contains(" user.created - ") && d.Contains(created.Hash));
            File.GetUnixFileMode(sinkFile).Should().Be(RecoveryAssist.Server.Hosting.PrivateFiles.PrivateFileMode);
        }
        finally
        {
            TestDirectory.Delete(outside);
        }
    }

    [Fact]
    public async Task VerifyAgainstCopy_ChainRewrittenByTheKekHolder_ShowsTheRewrittenRecord()
    {
        var outside = TestDirectory.NewPath("ra-sink-");
        Directory.CreateDirectory(outside);
        var sinkFile = Path.Combine(outside, "audit.jsonl");
        var dataDirectory = TestDirectory.NewPath("ra-rewrite-");
        try
        {
            await using (var appliance = await TestAppliance.StartAsync(dataDirectory, $"--RecoveryAssist:Audit:SinkFile={sinkFile}"))
            {
                appliance.CreateUser("honest-user", "technician");
                appliance.CreateUser("other-user", "operator");
            }
            RewriteChain(dataDirectory, "honest-user", "someone-else");

            OfflineAdmin.VerifyAudit(dataDirectory, null).FirstProblem.Should().BeNull("a rewrite with the KEK verifies on its own");
            var (_, problem) = OfflineAdmin.VerifyAudit(dataDirectory, null, sinkFile);

            problem.Should().MatchRegex("^record [0-9]+: the store's hash differs from the copy's");
        }
        finally
        {
            TestDirectory.Delete(outside);
            TestDirectory.Delete(dataDirectory);
        }
    }

    [Fact]
    public async Task SinkFile_InsideTheDataDirectory_RefusedAtStart()
    {
        var dataDirectory = TestDirectory.NewPath("ra-sink-inside-");
        try
        {
            var act = async () => await TestAppliance.StartAsync(dataDirectory, $"--RecoveryAssist:Audit:SinkFile={Path.Combine(dataDirectory, "audit.jsonl")}");

            (await act.Should().ThrowAsync<Microsoft.Extensions.Options.OptionsValidationException>()).Which.Message.Should().Contain("outside the data directory");
        }
        finally
        {
            TestDirectory.Delete(dataDirectory);
        }
    }

    /// <summary>What a KEK holder can do: edit a record, recompute every later hash, and re-seal the head.</summary>
    private static void RewriteChain(string dataDirectory, string actor, string replacement)
    {
        using var store = AppStore.Open(dataDirectory, Path.Combine(dataDirectory, "kek.key"));
        var records = store.Database.Collection<AuditRecord>(AuditLog.RecordsCollection);
        var all = records.Query().OrderBy(r => r.Id).ToList();
        var previous = AuditChain.GenesisHash;
        store.Database.Write(() =>
        {
            foreach (var record in all)
            {
                if (record.Target == "user:" + actor)
                    record.Detail = record.Detail + " (edited as " + replacement + ")";
                record.PreviousHash = previous;
                record.Hash = AuditChain.ComputeHash(record);
                previous = record.Hash;
                records.Update(record);
            }
            store.Database.Collection<AuditHead>(AuditLog.HeadCollection).Upsert(new AuditHead
            {
                Sequence = all[^1].Id,
                Hash = previous,
                Mac = AuditChain.ComputeHeadMac(AuditLog.DeriveHeadKey(store.Kek), all[^1].Id, previous),
            });
        });
    }
}
