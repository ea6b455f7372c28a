using System.Security.Cryptography;
using System.Text;
using RecoveryAssist.Core.Keys;

namespace RecoveryAssist.Server.Features.Secrets;

/// <summary>What a sealed recovery key is bound to: a sealed key moved to another record fails to open.</summary>
internal readonly record struct KeyBinding(Guid HostId, RecoveryId RecoveryId, int Version)
{
    public byte[] ToAssociatedData() =>
        Encoding.ASCII.GetBytes($"recovery-key|{HostId:N}|{RecoveryId}|{Version}");
}

/// <summary>A recovery key at rest: its own data key wrapped by the KEK, and the key's 32 bytes sealed by the data key.</summary>
internal sealed class SealedKey
{
    public string KekId { get; set; } = "";

    public byte[] WrappedDataKey { get; set; } = [];

    public byte[] Ciphertext { get; set; } = [];
}

/// <summary>Envelope encryption of recovery keys (AES-256-GCM, one data key per key version).</summary>
internal sealed class KeySealer(KeyEncryptionKey kek)
{
    public SealedKey Seal(RecoveryKey key, KeyBinding binding)
    {
        var dataKey = RandomNumberGenerator.GetBytes(32);
        var plaintext = Encoding.ASCII.GetBytes(key.Reveal());
        try
        {
            return new SealedKey
            {
                KekId = kek.Id,
                WrappedDataKey = kek.Wrap(dataKey),
                Ciphertext = Aead.Seal(dataKey, plaintext, binding.ToAssociatedData()),
            };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>
    /// A keyed HMAC-SHA256 of the key under a key derived from the KEK, prefixed by the KEK id: equal keys have equal
    /// fingerprints (to find one key escrowed for two hosts without opening every key), and without the KEK a
    /// fingerprint tells nothing about the key.
    /// </summary>
    public string Fingerprint(RecoveryKey key)
    {
        var fingerprintKey = kek.DeriveKey("RecoveryAssist recovery-key fingerprint v1");
        var plaintext = Encoding.ASCII.GetBytes(key.Reveal());
        try
        {
            return kek.Id + ":" + Convert.ToHexString(HMACSHA256.HashData(fingerprintKey, plaintext));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(fingerprintKey);
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <exception cref="CryptographicException">Wrong KEK, changed data, or a record moved to another binding.</exception>
    public RecoveryKey Open(SealedKey sealedKey, KeyBinding binding)
    {
        if (sealedKey.KekId != kek.Id)
            throw new CryptographicException($"The key was sealed under KEK {sealedKey.KekId}, not the loaded KEK {kek.Id}.");
        var dataKey = kek.Unwrap(sealedKey.WrappedDataKey);
        byte[]? plaintext = null;
        try
        {
            plaintext = Aead.Open(dataKey, sealedKey.Ciphertext, binding.ToAssociatedData());
            // Warn mode: a key escrowed under a downgraded check must still open.
            return RecoveryKey.Parse(Encoding.ASCII.GetString(plaintext), KeyCheck.Warn);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
            if (plaintext is not null)
                CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>Seals another small secret kept with the data (a notification channel's signing key or password) the same way, bound to its record.</summary>
    public SealedKey SealSecret(ReadOnlySpan<byte> secret, byte[] binding)
    {
        var dataKey = RandomNumberGenerator.GetBytes(32);
        try
        {
            return new SealedKey { KekId = kek.Id, WrappedDataKey = kek.Wrap(dataKey), Ciphertext = Aead.Seal(dataKey, secret, binding) };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <exception cref="CryptographicException">Wrong KEK, changed data, or a record moved to another binding.</exception>
    public byte[] OpenSecret(SealedKey sealedSecret, byte[] binding)
    {
        ArgumentNullException.ThrowIfNull(sealedSecret);
        if (sealedSecret.KekId != kek.Id)
            throw new CryptographicException($"The secret was sealed under KEK {sealedSecret.KekId}, not the loaded KEK {kek.Id}.");
        var dataKey = kek.Unwrap(sealedSecret.WrappedDataKey);
        try
        {
            return Aead.Open(dataKey, sealedSecret.Ciphertext, binding);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>Re-wraps a sealed key's data key under another KEK (KEK rotation); the ciphertext is unchanged.</summary>
    public static SealedKey Rewrap(SealedKey sealedKey, KeyEncryptionKey from, KeyEncryptionKey to)
    {
        if (sealedKey.KekId != from.Id)
            throw new CryptographicException($"The key was sealed under KEK {sealedKey.KekId}, not {from.Id}.");
        var dataKey = from.Unwrap(sealedKey.WrappedDataKey);
        try
        {
            return new SealedKey { KekId = to.Id, WrappedDataKey = to.Wrap(dataKey), Ciphertext = sealedKey.Ciphertext };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }
}
