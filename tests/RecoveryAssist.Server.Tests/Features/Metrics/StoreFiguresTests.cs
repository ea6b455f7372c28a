using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using RecoveryAssist.Server.Features.Alerts;
using RecoveryAssist.Server.Features.HostOps;
using RecoveryAssist.Server.Features.Metrics;
using RecoveryAssist.Server.Features.Recovery;

namespace RecoveryAssist.Server.Tests.Features.Metrics;

public sealed class StoreFiguresTests
{
    [Fact]
    public async Task Current_WithinRefreshPeriod_ReusesFiguresThenReadsAgain()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var appliance = await TestAppliance.StartAsync(time, null, "--RecoveryAssist:Metrics:StoreRefreshSeconds=15");
        var figures = appliance.Services.GetRequiredService<StoreFiguresReader>();
        var admin = await appliance.SignedInAsync("admin");
        figures.Current().Hosts.Should().Be(0);

        (await admin.PostAsJsonAsync("/api/hosts", new { name = "cached.lab" })).EnsureSuccessStatusCode();
        var cached = figures.Current();
        time.Advance(TimeSpan.FromSeconds(15));
        var fresh = figures.Current();

        cached.Hosts.Should().Be(0, "a scrape within the period costs no store read");
        fresh.Hosts.Should().Be(1);
        fresh.HostsWithoutCurrentKey.Should().Be(1);
        fresh.Jobs.Keys.Should().BeEquivalentTo(Enum.GetValues<JobState>(), "every state has a series, zero included");
        fresh.Sessions.Keys.Should().BeEquivalentTo(Enum.GetValues<SessionState>());
        fresh.Alerts.Select(a => (a.Kind, a.State)).Should().BeEquivalentTo(
            Enum.GetValues<AlertKind>().SelectMany(k => Enum.GetValues<AlertState>().Select(s => (k, s))), "every kind and state has a series, zero included");
        fresh.AuditRecords.Should().BeGreaterThan(cached.AuditRecords);
    }

    [Theory]
    [InlineData("NeedsPerson", "needs_person")]
    [InlineData("Running", "running")]
    public void LabelValue_EnumName_SnakeCase(string state, string expected)
    {
        ApplianceGauges.LabelValue(Enum.Parse<JobState>(state)).Should().Be(expected);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(3601)]
    public async Task Start_StoreRefreshOutOfRange_RefusedNamingIt(int seconds)
    {
        var start = () => TestAppliance.StartAsync((string?)null, $"--RecoveryAssist:Metrics:StoreRefreshSeconds={seconds}");

        (await start.Should().ThrowAsync<Microsoft.Extensions.Options.OptionsValidationException>()).WithMessage("*StoreRefreshSeconds must be between 0 and 3600*");
    }
}
