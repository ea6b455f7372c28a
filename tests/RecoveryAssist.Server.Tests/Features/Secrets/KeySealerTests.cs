using System.Security.Cryptography;
using RecoveryAssist.Core.Keys;
using RecoveryAssist.Server.Features.Secrets;

namespace RecoveryAssist.Server.Tests.Features.Secrets;

public class KeySealerTests
{
    private static readonly KeyBinding Binding = new(Guid.NewGuid(), new RecoveryId(Guid.NewGuid()), 1);

    [Fact]
    public void Open_SealedKey_ReturnsSameKey()
    {
        using var kek = KeyEncryptionKey.Create();
        var sealer = new KeySealer(kek);
        var key = RecoveryKey.Generate();

        var opened = sealer.Open(sealer.Seal(key, Binding), Binding);

        opened.FixedTimeEquals(key).Should().BeTrue();
    }

    [Theory]
    [InlineData("host")]
    [InlineData("recovery-id")]
    [InlineData("version")]
    public void Open_SealedKeyMovedToAnotherRecord_Fails(string changed)
    {
        using var kek = KeyEncryptionKey.Create();
        var sealer = new KeySealer(kek);
        var sealedKey = sealer.Seal(RecoveryKey.Generate(), Binding);
        var other = changed switch
        {
            "host" => Binding with { HostId = Guid.NewGuid() },
            "recovery-id" => Binding with { RecoveryId = new RecoveryId(Guid.NewGuid()) },
            _ => Binding with { Version = 2 },
        };

        sealer.Invoking(s => s.Open(sealedKey, other)).Should().Throw<CryptographicException>();
    }

    [Fact]
    public void Open_WithAnotherKek_Fails()
    {
        using var kek = KeyEncryptionKey.Create();
        using var otherKek = KeyEncryptionKey.Create();
        var sealedKey = new KeySealer(kek).Seal(RecoveryKey.Generate(), Binding);
        sealedKey.KekId = otherKek.Id;

        new KeySealer(otherKek).Invoking(s => s.Open(sealedKey, Binding)).Should().Throw<CryptographicException>();
    }

    [Fact]
    public void Open_TamperedCiphertext_Fails()
    {
        using var kek = KeyEncryptionKey.Create();
        var sealer = new KeySealer(kek);
        var sealedKey = sealer.Seal(RecoveryKey.Generate(), Binding);
        sealedKey.Ciphertext[20] ^= 1;

        sealer.Invoking(s => s.Open(sealedKey, Binding)).Should().Throw<CryptographicException>();
    }

    [Fact]
    public void Rewrap_ToNewKek_OpensUnderNewKekOnly()
    {
        using var oldKek = KeyEncryptionKey.Create();
        using var newKek = KeyEncryptionKey.Create();
        var key = RecoveryKey.Generate();
        var sealedKey = new KeySealer(oldKek).Seal(key, Binding);

        var rewrapped = KeySealer.Rewrap(sealedKey, oldKek, newKek);

        new KeySealer(newKek).Open(rewrapped, Binding).FixedTimeEquals(key).Should().BeTrue();
        new KeySealer(oldKek).Invoking(s => s.Open(rewrapped, Binding)).Should().Throw<CryptographicException>();
    }

    [Fact]
    public void LoadOrCreate_NewFile_IsOwnerOnlyAndReloads()
    {
        var file = Path.Combine(Path.GetTempPath(), "ra-kek-" + Guid.NewGuid().ToString("N"), "kek.key");

        using var created = KeyEncryptionKey.LoadOrCreate(file, out var wasCreated);
        using var loaded = KeyEncryptionKey.LoadOrCreate(file, out var createdAgain);

        wasCreated.Should().BeTrue();
        createdAgain.Should().BeFalse();
        loaded.Id.Should().Be(created.Id);
        File.GetUnixFileMode(file).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        created.ToString().Should().StartWith("KEK ").And.HaveLength(20);
    }
}
