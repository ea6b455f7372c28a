using Microsoft.Extensions.DependencyInjection;
using RecoveryAssist.Server.Features.Alerts.Delivery;
using RecoveryAssist.Server.Storage;

namespace RecoveryAssist.Server.Tests.Features.Alerts;

/// <summary>Within a channel, a notification waiting for its retry holds back the newer ones: "resolved" never overtakes "opened".</summary>
public sealed class DeliveryOrderTests : IAsyncLifetime
{
    private static readonly DateTime Now = new(2026, 12, 6, 12, 0, 0, DateTimeKind.Utc);
    private TestAppliance _appliance = null!;

    public async Task InitializeAsync() => _appliance = await TestAppliance.StartAsync();

    public async Task DisposeAsync() => await _appliance.DisposeAsync();

    private void Queue(Guid channel, string name, DateTime created, DateTime nextAttempt) =>
        _appliance.Services.GetRequiredService<AppDatabase>().Collection<NotificationRecord>(AlertDelivery.OutboxCollection).Insert(new NotificationRecord
        {
            Id = Guid.NewGuid(), ChannelId = channel, State = NotificationState.Pending, Created = created, NextAttempt = nextAttempt,
            LastError = name,
        });

    [Fact]
    public void Due_OldestOfAChannelWaitsForItsRetry_NothingNewerOfThatChannelIsDue_OtherChannelsAre()
    {
        var held = Guid.NewGuid();
        var free = Guid.NewGuid();
        Queue(held, "opened, failed once", Now.AddMinutes(-5), Now.AddMinutes(2));
        Queue(held, "resolved", Now.AddMinutes(-1), Now.AddMinutes(-1));
        Queue(free, "opened", Now.AddMinutes(-3), Now.AddMinutes(-3));
        Queue(free, "acknowledged", Now.AddMinutes(-2), Now.AddMinutes(-2));

        var due = _appliance.Services.GetRequiredService<AlertDelivery>().Due(Now, 100);

        due.Select(n => n.LastError).Should().Equal("opened", "acknowledged");
        _appliance.Services.GetRequiredService<AlertDelivery>().Due(Now.AddMinutes(3), 100).Select(n => n.LastError)
            .Should().Equal("opened, failed once", "opened", "acknowledged", "resolved");
    }
}
