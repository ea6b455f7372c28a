using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace RecoveryAssist.Server.Tests.Features.Boot;

/// <summary>
/// ESXi images uploaded as installer ISOs made by a real tool (genisoimage, from Debian): plain ISO 9660
/// (upper-case 8.3 names with ";1") and Joliet; and damaged ISOs, which are refused with the reason and leave nothing behind.
/// </summary>
public sealed class IsoImportTests : IAsyncLifetime
{
    private TestAppliance _appliance = null!;
    private HttpClient _admin = null!;
    private string _work = null!;

    public async Task InitializeAsync()
    {
        _appliance = await TestAppliance.StartAsync();
        _admin = _appliance.WithToken("admin");
        _work = Directory.CreateDirectory(TestDirectory.NewPath("ra-iso-")).FullName;
    }

    public async Task DisposeAsync()
    {
        await _appliance.DisposeAsync();
        TestDirectory.Delete(_work);
    }

    private Task<(string Iso, byte[] EfiLoader)> InstallerIsoAsync(bool joliet) => InstallerIso.CreateAsync(_work, joliet);

    private async Task<HttpResponseMessage> UploadAsync(string id, byte[] iso)
    {
        var content = new ByteArrayContent(iso);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return await _admin.PostAsync($"/api/boot/images/{id}/iso", content);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Upload_InstallerIso_RegisteredAndFilesServedOverHttpByTheirBootCfgNames(bool joliet)
    {
        var (iso, efi) = await InstallerIsoAsync(joliet);

        using var response = await UploadAsync("esxi-iso", await File.ReadAllBytesAsync(iso));

        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var image = await response.Content.ReadFromJsonAsync<JsonElement>();
        image.GetProperty("build").GetString().Should().Be("8.0.2-0.0.22380479");
        image.GetProperty("efiLoader").GetString()!.ToLowerInvariant().Should().Be("efi/boot/bootx64.efi");
        var anonymous = _appliance.Provisioning();
        (await anonymous.GetByteArrayAsync("/boot/images/esxi-iso/efi/boot/bootx64.efi")).Should().Equal(efi);
        (await anonymous.GetStringAsync("/boot/images/esxi-iso/boot.cfg")).Should().Be(InstallerIso.BootCfg);
        (await anonymous.GetStringAsync("/boot/images/esxi-iso/b.b00")).Should().Be("kernel");
        Directory.GetDirectories(Path.Combine(_appliance.DataDirectory, "images")).Should().ContainSingle("the staging directory is gone");
    }

    [Fact]
    public async Task Upload_SameIdAgain_ReplacesTheImageAndRemovesTheOldTree()
    {
        var (iso, _) = await InstallerIsoAsync(joliet: true);
        var bytes = await File.ReadAllBytesAsync(iso);
        (await UploadAsync("twice", bytes)).StatusCode.Should().Be(HttpStatusCode.Created);

        (await UploadAsync("twice", bytes)).StatusCode.Should().Be(HttpStatusCode.Created);

        Directory.GetDirectories(Path.Combine(_appliance.DataDirectory, "images")).Should().ContainSingle();
        (await _appliance.Provisioning().GetStringAsync("/boot/images/twice/boot.cfg")).Should().Be(InstallerIso.BootCfg);
    }

    [Fact]
    public async Task Restart_AfterAnInterruptedUpload_LeftoversRemovedRegisteredTreeKept()
    {
        var (iso, _) = await InstallerIsoAsync(joliet: true);
        (await UploadAsync("kept", await File.ReadAllBytesAsync(iso))).StatusCode.Should().Be(HttpStatusCode.Created);
        var images = Path.Combine(_appliance.DataDirectory, "images");
        var registered = Directory.GetDirectories(images).Should().ContainSingle().Subject;
        var dataDirectory = _appliance.DataDirectory;
        await _appliance.StopAsync();

        // What a kill leaves: a staging directory mid-copy, an extracted tree never registered.
        Directory.CreateDirectory(Path.Combine(images, ".upload-0123456789abcdef0123456789abcdef", "tree"));
        File.WriteAllText(Path.Combine(images, ".upload-0123456789abcdef0123456789abcdef", "image.iso"), "partial");
        Directory.CreateDirectory(Path.Combine(images, "lost-20261129040000-0a1b2c3d", "efi"));
        Directory.CreateDirectory(Path.Combine(images, "operator-notes"));

        await using var restarted = await TestAppliance.StartAsync(dataDirectory);

        Directory.GetDirectories(images).Select(Path.GetFileName).Should().BeEquivalentTo(
            [Path.GetFileName(registered), "operator-notes"], "only directories an upload names are swept, never a registered one");
        (await restarted.Provisioning().GetStringAsync("/boot/images/kept/boot.cfg")).Should().Be(InstallerIso.BootCfg);
    }

    public static TheoryData<string, string> Damages() => new()
    {
        { "not-iso", "no CD001 signature" },
        { "truncated", "beyond the end of the image" },
        { "traversal", "would leave its directory" },
        { "control", "control character" },
    };

    [Theory]
    [MemberData(nameof(Damages))]
    public async Task Upload_DamagedIso_400WithTheReason_NothingRegisteredNothingLeft(string damage, string reason)
    {
        var (iso, _) = await InstallerIsoAsync(joliet: false);
        var bytes = await File.ReadAllBytesAsync(iso);
        switch (damage)
        {
            case "not-iso":
                bytes = Encoding.ASCII.GetBytes(new string('x', 100_000));
                break;
            case "truncated":
                bytes = bytes[..(bytes.Length / 2)]; // cuts through the 300 KB boot loader
                break;
            case "traversal":
                Rename(bytes, "B.B00;1", "..");
                break;
            case "control":
                Rename(bytes, "B.B00;1", "B\nB00;1");
                break;
        }

        using var response = await UploadAsync("damaged", bytes);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).Should().Contain(reason);
        (await _admin.GetFromJsonAsync<JsonElement>("/api/boot/images")).GetArrayLength().Should().Be(0);
        var images = Path.Combine(_appliance.DataDirectory, "images");
        (Directory.Exists(images) ? Directory.GetFileSystemEntries(images) : []).Should().BeEmpty();
    }

    /// <summary>Rewrites a directory record's name in place (same length, or shorter with the record's name length byte updated).</summary>
    private static void Rename(byte[] iso, string from, string to)
    {
        var needle = Encoding.ASCII.GetBytes(from);
        var at = iso.AsSpan().IndexOf(needle);
        at.Should().BeGreaterThan(0, $"the ISO holds the name {from}");
        iso[at - 1].Should().Be((byte)needle.Length, "the byte before a name is its length");
        iso[at - 1] = (byte)to.Length;
        Encoding.ASCII.GetBytes(to).CopyTo(iso, at);
    }
}
