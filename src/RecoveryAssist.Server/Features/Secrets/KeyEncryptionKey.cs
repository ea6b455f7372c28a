using System.Security.Cryptography;
using System.Text;

namespace RecoveryAssist.Server.Features.Secrets;

/// <summary>
/// The key-encryption key (KEK): 32 random bytes that wrap every data key, and from which the
/// store's file password is derived. It comes from the environment variable RECOVERYASSIST_KEK
/// (base64) or from a file (base64, mode 0600) that the first run creates.
/// </summary>
internal sealed class KeyEncryptionKey : IDisposable
{
    public const string EnvironmentVariable = "RECOVERYASSIST_KEK";
    public const int Length = 32;

    private static readonly byte[] DatabasePasswordInfo = Encoding.ASCII.GetBytes("RecoveryAssist LiteDB file password v1");

    private readonly byte[] _value;

    private KeyEncryptionKey(byte[] value)
    {
        _value = value;
        Id = Convert.ToHexStringLower(SHA256.HashData(value))[..16];
    }

    /// <summary>A fingerprint that names this KEK in sealed records; reveals nothing of the key.</summary>
    public string Id { get; }

    public static KeyEncryptionKey Create() => new(RandomNumberGenerator.GetBytes(Length));

    public static KeyEncryptionKey FromBase64(string text, string origin)
    {
        byte[] value;
        try
        {
            value = Convert.FromBase64String(text.Trim());
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"The key-encryption key in {origin} is not base64.");
        }
        if (value.Length != Length)
            throw new InvalidOperationException($"The key-encryption key in {origin} must be {Length} bytes; it has {value.Length}.");
        return new KeyEncryptionKey(value);
    }

    /// <summary>Reads the KEK from the environment or the file; creates the file (0600) when neither exists.</summary>
    /// <param name="created">True when this call created a new file.</param>
    public static KeyEncryptionKey LoadOrCreate(string file, out bool created)
    {
        created = false;
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
            return FromBase64(fromEnvironment, EnvironmentVariable);
        if (File.Exists(file))
            return FromBase64(File.ReadAllText(file), file);
        var kek = Create();
        kek.WriteTo(file);
        created = true;
        return kek;
    }

    /// <summary>Writes the KEK to a new file readable by the owner only (write to a temporary name, then rename).</summary>
    public void WriteTo(string file)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        var temporary = file + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temporary, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(Convert.ToBase64String(_value));
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, file, overwrite: true);
    }

    /// <summary>The LiteDB file password, derived so that no second secret has to be kept.</summary>
    public string DeriveDatabasePassword() =>
        Convert.ToBase64String(HKDF.DeriveKey(HashAlgorithmName.SHA256, _value, 32, salt: null, info: DatabasePasswordInfo));

    /// <summary>A key for one purpose (a backup, say), derived with HKDF-SHA256 and <paramref name="salt"/>.</summary>
    public byte[] DeriveKey(string purpose, ReadOnlySpan<byte> salt) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, _value, 32, salt.ToArray(), Encoding.ASCII.GetBytes(purpose));

    /// <summary>The KEK itself, base64: only for a backup sealed under a passphrase, which then restores alone.</summary>
    public string ExportBase64() => Convert.ToBase64String(_value);

    /// <summary>A 32-byte key derived for one purpose (HKDF-SHA256, no salt), e.g. the key of the recovery-key fingerprints.</summary>
    public byte[] DeriveKey(string purpose) => DeriveKey(purpose, []);

    public byte[] Wrap(ReadOnlySpan<byte> dataKey) => Aead.Seal(_value, dataKey, WrapContext());

    public byte[] Unwrap(ReadOnlySpan<byte> wrapped) => Aead.Open(_value, wrapped, WrapContext());

    /// <summary>Seals other small secrets kept with the data (e.g. the sign-in cookie keys); <paramref name="purpose"/> keeps each kind apart.</summary>
    public byte[] Seal(ReadOnlySpan<byte> secret, string purpose) => Aead.Seal(_value, secret, PurposeContext(purpose));

    /// <exception cref="CryptographicException">Sealed under another KEK or purpose, or changed.</exception>
    public byte[] Open(ReadOnlySpan<byte> sealedSecret, string purpose) => Aead.Open(_value, sealedSecret, PurposeContext(purpose));

    public void Dispose() => CryptographicOperations.ZeroMemory(_value);

    public override string ToString() => $"KEK {Id}";

    private byte[] WrapContext() => Encoding.ASCII.GetBytes("data-key|" + Id);

    private byte[] PurposeContext(string purpose) => Encoding.ASCII.GetBytes(purpose + "|" + Id);
}
