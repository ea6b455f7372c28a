using RecoveryAssist.Server.Features.Boot;

namespace RecoveryAssist.Server.Tests.Features.Boot;

public sealed class BootRateLimitTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(30)]
    [InlineData(90)]
    [InlineData(100)]
    [InlineData(BootOptions.DefaultRequestsPerMinute)]
    [InlineData(BootOptions.MaxRequestsPerMinute)]
    public void PerSourceBucket_RefillsExactlyTheSetRatePerMinute_AndHoldsAMinutesWorth(int perMinute)
    {
        var bucket = BootOptions.PerSourceBucket(perMinute);

        (bucket.TokensPerPeriod / bucket.ReplenishmentPeriod.TotalMinutes).Should().BeApproximately(perMinute, perMinute * 1e-6);
        bucket.TokenLimit.Should().Be(perMinute);
        bucket.QueueLimit.Should().Be(0, "over the bound is refused at once, never queued");
    }
}
