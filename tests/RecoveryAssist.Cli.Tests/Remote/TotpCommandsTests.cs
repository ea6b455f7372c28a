using Microsoft.Extensions.Time.Testing;
using OtpNet;

namespace RecoveryAssist.Cli.Tests.Remote;

/// <summary><c>recoveryassist totp</c> and a login that asks for the code, as a separate process against the real appliance.</summary>
public sealed class TotpCommandsTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 10, 0, 5, TimeSpan.Zero));
    private TestAppliance _appliance = null!;

    public async Task InitializeAsync() => _appliance = await TestAppliance.StartAsync(_time, null);

    public async Task DisposeAsync() => await _appliance.DisposeAsync();

    [Fact]
    public async Task Login_AccountWithSecondFactor_CodeOnSecondStdinLine()
    {
        _appliance.CreateUser("tech-cli-totp", "Technician");
        using var cli = _appliance.Cli();
        (await cli.RunWithInputAsync(TestAppliance.Password + "\n", "login", "--user", "tech-cli-totp")).ExitCode.Should().Be(0);
        var enrol = await cli.RunAsync("totp", "enrol");
        enrol.ExitCode.Should().Be(0, enrol.ToString());
        var secretLine = enrol.Output.Split('\n').Single(l => l.StartsWith("secret: ", StringComparison.Ordinal));
        var secret = Base32Encoding.ToBytes(secretLine["secret: ".Length..].Trim());
        enrol.Output.Should().Contain("otpauth://totp/");
        var confirm = await cli.RunAsync("totp", "confirm", Code(secret));
        confirm.ExitCode.Should().Be(0, confirm.ToString());
        _time.Advance(TimeSpan.FromSeconds(30));

        using var fresh = _appliance.Cli();
        var noCode = await fresh.RunWithInputAsync(TestAppliance.Password + "\n", "login", "--user", "tech-cli-totp");
        noCode.ExitCode.Should().NotBe(0, "the code was asked for and stdin had none");
        var wrong = await fresh.RunWithInputAsync(TestAppliance.Password + "\n000000\n", "login", "--user", "tech-cli-totp");
        wrong.ExitCode.Should().NotBe(0);
        File.Exists(fresh.TokenFile).Should().BeFalse();

        var login = await fresh.RunWithInputAsync(TestAppliance.Password + "\n" + Code(secret) + "\n", "login", "--user", "tech-cli-totp");

        login.ExitCode.Should().Be(0, login.ToString());
        (await fresh.RunAsync("host", "list")).ExitCode.Should().Be(0);
    }

    private string Code(byte[] secret) => new Totp(secret).ComputeTotp(_time.GetUtcNow().UtcDateTime);
}
