using System.Security.Cryptography;

namespace RecoveryAssist.Server.Features.Secrets;

/// <summary>AES-256-GCM with a random 96-bit nonce; the output is nonce || ciphertext || tag.</summary>
internal static class Aead
{
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public static byte[] Seal(ReadOnlySpan<byte> key, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        var output = new byte[NonceSize + plaintext.Length + TagSize];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plaintext, output.AsSpan(NonceSize, plaintext.Length), output.AsSpan(NonceSize + plaintext.Length), associatedData);
        return output;
    }

    /// <exception cref="CryptographicException">The data was changed, or belongs to another record or key.</exception>
    public static byte[] Open(ReadOnlySpan<byte> key, ReadOnlySpan<byte> sealedData, ReadOnlySpan<byte> associatedData)
    {
        if (sealedData.Length < NonceSize + TagSize)
            throw new CryptographicException("Sealed data is too short.");
        var plaintextLength = sealedData.Length - NonceSize - TagSize;
        var plaintext = new byte[plaintextLength];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(sealedData[..NonceSize], sealedData.Slice(NonceSize, plaintextLength), sealedData[(NonceSize + plaintextLength)..], plaintext, associatedData);
        return plaintext;
    }
}
