
namespace RecoveryAssist.Cli.Tests.Offline;

/// <summary>Finding 9 of issue 13: a damaged store crashed <c>audit verify</c> with an unhandled LiteException.</summary>
public sealed class AuditVerifyCommandTests
{
    [Fact]
    public async Task AuditVerify_DamagedAuditPages_Exit1WithOneLine()
    {
        var dataDirectory = TestDirectory.NewPath("ra-cli-damaged-");
        try
        {
            await StoreDamage.StoreWithManyAuditRecordsAsync(dataDirectory);
            StoreDamage.DamageMiddle(dataDirectory);
            using var cli = new CliProcess(new Uri("http://127.0.0.1:1"));

            var verify = await cli.RunAsync("audit", "verify", "--data", dataDirectory);

            verify.ExitCode.Should().Be(1, verify.ToString());
            verify.Error.TrimEnd().Split('\n').Should().ContainSingle(verify.ToString());
            verify.Error.Should().MatchRegex("^(DAMAGED|TAMPERED): ").And.NotContain("Unhandled").And.NotContain("   at ");
        }
        finally
        {
            TestDirectory.Delete(dataDirectory);
        }
    }

    [Fact]
    public async Task AuditVerify_NoStoreThere_AnErrorNotAVerdict()
    {
        var nowhere = TestDirectory.NewPath("ra-cli-nostore-");
        using var cli = new CliProcess(new Uri("http://127.0.0.1:1"));

        var verify = await cli.RunAsync("audit", "verify", "--data", nowhere);

        verify.ExitCode.Should().Be(2, verify.ToString());
        verify.Error.Should().StartWith("error: ").And.NotContain("DAMAGED");
    }
}
