using System.Net;
using System.Net.Http.Json;
using RecoveryAssist.Server.Hosting;

namespace RecoveryAssist.Server.Tests.Features.Secrets;

public sealed class CookieKeyTests
{
    [Fact]
    public async Task CookieKeys_OnDisk_SealedUnderKek_AndASignInOutlivesARestart()
    {
        var dataDirectory = TestDirectory.NewPath("ra-cookie-");
        var cookies = new CookieContainer();
        try
        {
            await using (var appliance = await TestAppliance.StartAsync(dataDirectory))
            {
                appliance.CreateUser("tech-cookie", "Technician");
                using var client = new HttpClient(appliance.Handler(cookies)) { BaseAddress = appliance.Address };
                (await client.PostAsJsonAsync("/api/auth/signin", new { userName = "tech-cookie", password = TestAppliance.Password })).EnsureSuccessStatusCode();
            }

            var files = Directory.GetFiles(Path.Combine(dataDirectory, AppHost.CookieKeysDirectory), "*.xml");
            files.Should().NotBeEmpty();
            foreach (var file in files)
            {
                var xml = await File.ReadAllTextAsync(file);
                xml.Should().Contain("<kekSealed").And.NotContain("<masterKey", "the key material is sealed, not stored in clear");
            }

            await using (var restarted = await TestAppliance.StartAsync(dataDirectory))
            {
                using var client = new HttpClient(restarted.Handler(new CookieContainer())) { BaseAddress = restarted.Address };
                // The restarted appliance listens on another port: the cookie is sent again by hand.
                var cookie = cookies.GetAllCookies().Single();
                client.DefaultRequestHeaders.Add("Cookie", $"{cookie.Name}={cookie.Value}");
                (await client.GetAsync("/api/hosts/")).StatusCode.Should().Be(HttpStatusCode.OK, "the sealed cookie key opens again after a restart");
            }
        }
        finally
        {
            TestDirectory.Delete(dataDirectory);
        }
    }
}
