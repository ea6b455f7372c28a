using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using RecoveryAssist.Server.Features.Secrets;

namespace RecoveryAssist.Server.Features.Backup;

/// <summary>A backup that cannot be read or restored; the message is one line for the operator.</summary>
internal sealed class BackupException(string message) : Exception(message);

/// <summary>How the backup key was derived: HKDF-SHA256 from the KEK, or PBKDF2-SHA256 from a passphrase.</summary>
internal sealed record BackupKdf(string Algorithm, int Iterations, string Salt);

/// <summary>
/// The backup's header, in clear and authenticated as associated data of every chunk. It never holds a
/// secret: <see cref="KeyCheck"/> is an HMAC under the backup key, so a wrong key is told from damage.
/// </summary>
internal sealed record BackupHeader(
    int Format,
    DateTimeOffset CreatedAt,
    string ApplianceVersion,
    string Protection,
    string? KekId,
    BackupKdf Kdf,
    int ChunkSize,
    string KeyCheck)
{
    public const int CurrentFormat = 1;
    public const string KekProtection = "kek";
    public const string PassphraseProtection = "passphrase";
}

/// <summary>
/// The key a backup is sealed under: derived from the KEK (fresh salt per backup) or from a passphrase.
/// Holds the key in memory only; prints <c>[redacted]</c>.
/// </summary>
internal sealed class BackupKey : IDisposable
{
    public const string HkdfAlgorithm = "HKDF-SHA256";
    public const string Pbkdf2Algorithm = "PBKDF2-SHA256";
    public const int Pbkdf2Iterations = 600_000;
    public const int MinimumPbkdf2Iterations = 100_000;
    public const int MinimumPassphraseLength = 12;
    private const string KekPurpose = "RecoveryAssist backup v1";
    private static readonly byte[] KeyCheckLabel = Encoding.ASCII.GetBytes("RecoveryAssist backup key check v1");

    private BackupKey(byte[] value) => Value = value;

    public byte[] Value { get; }

    public static BackupKey FromKek(KeyEncryptionKey kek, ReadOnlySpan<byte> salt) => new(kek.DeriveKey(KekPurpose, salt));

    public static BackupKey FromPassphrase(string passphrase, ReadOnlySpan<byte> salt, int iterations) =>
        new(Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(passphrase), salt, iterations, HashAlgorithmName.SHA256, 32));

    /// <summary>A check value of the key, kept in the header: tells "wrong passphrase" from "damaged".</summary>
    public string Check() => Convert.ToBase64String(HMACSHA256.HashData(Value, KeyCheckLabel).AsSpan(0, 16));

    public static string? DescribeWeakPassphrase(string passphrase) =>
        passphrase.Trim().Length < MinimumPassphraseLength ? $"the backup passphrase must have at least {MinimumPassphraseLength} characters" : null;

    public void Dispose() => CryptographicOperations.ZeroMemory(Value);

    public override string ToString() => "[redacted]";
}

/// <summary>
/// The file format: <c>RABACKUP</c>, the header's length (u32 big-endian), the header (JSON), its SHA-256,
/// then chunks of at most <see cref="BackupHeader.ChunkSize"/> plaintext bytes, each a u32 length and
/// AES-256-GCM ciphertext with its tag. A chunk's nonce is its index and a last-chunk flag (the STREAM
/// construction), and its associated data the SHA-256 of magic and header: chunks cannot be reordered,
/// dropped, cut off at the end, or moved to another backup without the tag failing.
/// </summary>
internal static class BackupFormat
{
    public const int DefaultChunkSize = 1 << 20;
    public const int TagSize = 16;
    public const int MaxHeaderBytes = 64 * 1024;
    public static readonly byte[] Magic = "RABACKUP"u8.ToArray();

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static byte[] AssociatedData(ReadOnlySpan<byte> headerBytes)
    {
        var all = new byte[Magic.Length + headerBytes.Length];
        Magic.CopyTo(all, 0);
        headerBytes.CopyTo(all.AsSpan(Magic.Length));
        return SHA256.HashData(all);
    }

    public static byte[] Nonce(long index, bool last)
    {
        var nonce = new byte[12];
        BinaryPrimitives.WriteInt64BigEndian(nonce, index);
        nonce[11] = last ? (byte)1 : (byte)0;
        return nonce;
    }
}
