using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using RecoveryAssist.Server.Features.Auth;
using RecoveryAssist.Server.Hosting;

namespace RecoveryAssist.Server.Tests.Features.Auth;

public sealed class SignInThrottleTests
{
    [Theory]
    [InlineData(4, 0)]
    [InlineData(5, 1)]
    [InlineData(6, 2)]
    [InlineData(9, 16)]
    [InlineData(20, 900)]
    public void Backoff_FailuresInARow_DoublesFromTheThresholdUpToTheCap(int failures, int seconds)
    {
        SignInThrottle.Backoff(failures, 5, TimeSpan.FromMinutes(15)).Should().Be(TimeSpan.FromSeconds(seconds));
    }

    [Fact]
    public void Admit_AfterFailures_WaitsAtThatAddressOnlyAndSuccessForgets()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var throttle = new SignInThrottle(Options.Create(new AuthOptions()), Options.Create(new AppOptions()), time);
        for (var i = 0; i < 6; i++)
            throttle.Failed("admin", "192.0.2.66");

        throttle.Admit("admin", "192.0.2.66").Should().Be(TimeSpan.FromSeconds(2));
        throttle.Admit("admin", "192.0.2.10").Should().BeNull("another address is not slowed down");
        throttle.Admit("someone-else", "192.0.2.66").Should().BeNull();
        time.Advance(TimeSpan.FromSeconds(2));
        throttle.Admit("admin", "192.0.2.66").Should().BeNull();
        throttle.Succeeded("admin", "192.0.2.66");
        throttle.Failed("admin", "192.0.2.66");
        throttle.Admit("admin", "192.0.2.66").Should().BeNull("a success starts the count again");
    }

    [Fact]
    public void Admit_BurstFromOneAddress_RefusedWithARetryTime()
    {
        using var throttle = new SignInThrottle(Options.Create(new AuthOptions { SignInBurstPerAddress = 3, SignInPerMinutePerAddress = 1 }), Options.Create(new AppOptions()), TimeProvider.System);

        var admitted = Enumerable.Range(0, 5).Select(i => throttle.Admit("user" + i, "192.0.2.7")).ToList();

        admitted.Take(3).Should().OnlyContain(w => w == null);
        admitted.Skip(3).Should().OnlyContain(w => w > TimeSpan.Zero);
        throttle.Admit("user", "192.0.2.8").Should().BeNull();
    }
}
