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

/// <summary>Seals what is written to it into the backup format; <see cref="Complete"/> writes the last chunk.</summary>
internal sealed class BackupWriter : Stream
{
    private readonly Stream _output;
    private readonly AesGcm _aes;
    private readonly byte[] _associatedData;
    private readonly byte[] _buffer;
    private int _buffered;
    private long _index;
    private bool _completed;

    public BackupWriter(Stream output, BackupHeader header, BackupKey key)
    {
        _output = output;
        var headerBytes = JsonSerializer.SerializeToUtf8Bytes(header, BackupFormat.Json);
        _associatedData = BackupFormat.AssociatedData(headerBytes);
        _aes = new AesGcm(key.Value, BackupFormat.TagSize);
        _buffer = new byte[header.ChunkSize];
        var length = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, headerBytes.Length);
        _output.Write(BackupFormat.Magic);
        _output.Write(length);
        _output.Write(headerBytes);
        _output.Write(SHA256.HashData(headerBytes));
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => !_completed;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        while (buffer.Length > 0)
        {
            if (_buffered == _buffer.Length)
                Seal(last: false);
            var take = Math.Min(buffer.Length, _buffer.Length - _buffered);
            buffer[..take].CopyTo(_buffer.AsSpan(_buffered));
            _buffered += take;
            buffer = buffer[take..];
        }
    }

    /// <summary>Seals the last chunk (possibly empty); without it a reader sees the backup as cut off.</summary>
    public void Complete()
    {
        if (_completed)
            return;
        Seal(last: true);
        _completed = true;
        _output.Flush();
    }

    private void Seal(bool last)
    {
        var sealedChunk = new byte[_buffered + BackupFormat.TagSize];
        _aes.Encrypt(BackupFormat.Nonce(_index++, last), _buffer.AsSpan(0, _buffered), sealedChunk.AsSpan(0, _buffered),
            sealedChunk.AsSpan(_buffered), _associatedData);
        var length = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, sealedChunk.Length);
        _output.Write(length);
        _output.Write(sealedChunk);
        _buffered = 0;
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _aes.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>
/// Reads a backup: <see cref="ReadHeader"/> checks the header, then the plaintext is read chunk by chunk,
/// each authenticated before any of its bytes is returned. <see cref="ReadToEndAndVerify"/> proves the
/// backup was not cut off and has nothing after its last chunk.
/// </summary>
internal sealed class BackupReader : Stream
{
    private readonly Stream _input;
    private readonly AesGcm _aes;
    private readonly byte[] _associatedData;
    private readonly int _chunkSize;
    private byte[] _plain = [];
    private int _position;
    private long _index;
    private long _offset;
    private bool _sawLast;

    private BackupReader(Stream input, BackupKey key, byte[] associatedData, int chunkSize, long offset)
    {
        _input = input;
        _aes = new AesGcm(key.Value, BackupFormat.TagSize);
        _associatedData = associatedData;
        _chunkSize = chunkSize;
        _offset = offset;
    }

    /// <summary>Reads and checks the header; leaves <paramref name="input"/> at the first chunk.</summary>
    public static (BackupHeader Header, byte[] HeaderBytes) ReadHeader(Stream input)
    {
        var magic = new byte[BackupFormat.Magic.Length];
        if (input.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false) < magic.Length || !magic.AsSpan().SequenceEqual(BackupFormat.Magic))
            throw new BackupException("This is not a RecoveryAssist backup (it does not start with RABACKUP).");
        var lengthBytes = new byte[4];
        if (input.ReadAtLeast(lengthBytes, 4, throwOnEndOfStream: false) < 4)
            throw new BackupException("The backup is damaged: it ends inside its header.");
        var length = BinaryPrimitives.ReadInt32BigEndian(lengthBytes);
        if (length is <= 0 or > BackupFormat.MaxHeaderBytes)
            throw new BackupException("The backup is damaged: its header length is not valid.");
        var headerBytes = new byte[length];
        var checksum = new byte[32];
        if (input.ReadAtLeast(headerBytes, length, throwOnEndOfStream: false) < length || input.ReadAtLeast(checksum, 32, throwOnEndOfStream: false) < 32)
            throw new BackupException("The backup is damaged: it ends inside its header.");
        if (!SHA256.HashData(headerBytes).AsSpan().SequenceEqual(checksum))
            throw new BackupException("The backup is damaged: its header does not match its checksum.");
        BackupHeader? header;
        try
        {
            header = JsonSerializer.Deserialize<BackupHeader>(headerBytes, BackupFormat.Json);
        }
        catch (JsonException e)
        {
            throw new BackupException($"The backup's header cannot be read: {e.Message}");
        }
        if (header is null || header.Kdf is null)
            throw new BackupException("The backup's header is empty.");
        if (header.Format != BackupHeader.CurrentFormat)
            throw new BackupException($"The backup is in format {header.Format}; this RecoveryAssist reads format {BackupHeader.CurrentFormat}.");
        if (header.ChunkSize is < 1024 or > 16 << 20)
            throw new BackupException($"The backup's header names a chunk size of {header.ChunkSize} bytes, outside 1 KiB..16 MiB.");
        return (header, headerBytes);
    }

    /// <summary>Opens the chunks with <paramref name="key"/>; a key that does not match the header's check is refused here.</summary>
    public static BackupReader Open(Stream input, BackupHeader header, byte[] headerBytes, BackupKey key, string wrongKeyMessage)
    {
        if (!CryptographicOperations.FixedTimeEquals(System.Text.Encoding.ASCII.GetBytes(key.Check()), System.Text.Encoding.ASCII.GetBytes(header.KeyCheck)))
            throw new BackupException(wrongKeyMessage);
        return new BackupReader(input, key, BackupFormat.AssociatedData(headerBytes), header.ChunkSize,
            BackupFormat.Magic.Length + 4 + headerBytes.Length + 32);
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (_position == _plain.Length)
        {
            if (_sawLast || !NextChunk())
                return 0;
        }
        var take = Math.Min(buffer.Length, _plain.Length - _position);
        _plain.AsSpan(_position, take).CopyTo(buffer);
        _position += take;
        return take;
    }

    /// <summary>Reads every remaining chunk; throws unless the last one is there and nothing follows it.</summary>
    public void ReadToEndAndVerify()
    {
        while (!_sawLast)
        {
            _position = _plain.Length;
            NextChunk();
        }
        if (_input.ReadByte() != -1)
            throw new BackupException("The backup is damaged: there is data after its last part.");
    }

    private bool NextChunk()
    {
        var lengthBytes = new byte[4];
        if (_input.ReadAtLeast(lengthBytes, 4, throwOnEndOfStream: false) < 4)
            throw new BackupException($"The backup is cut off after part {_index} (byte {_offset}): its last part is missing.");
        var length = BinaryPrimitives.ReadInt32BigEndian(lengthBytes);
        if (length < BackupFormat.TagSize || length > _chunkSize + BackupFormat.TagSize)
            throw new BackupException($"The backup is damaged at part {_index + 1} (byte {_offset}): its length is not valid.");
        var sealedChunk = new byte[length];
        if (_input.ReadAtLeast(sealedChunk, length, throwOnEndOfStream: false) < length)
            throw new BackupException($"The backup is cut off inside part {_index + 1} (byte {_offset}).");
        var plain = new byte[length - BackupFormat.TagSize];
        var opened = TryOpen(sealedChunk, plain, last: false) || (_sawLast = TryOpen(sealedChunk, plain, last: true));
        if (!opened)
            throw new BackupException($"The backup is damaged at part {_index + 1} (byte {_offset}): it does not authenticate.");
        _offset += 4 + length;
        _index++;
        _plain = plain;
        _position = 0;
        return true;
    }

    private bool TryOpen(byte[] sealedChunk, byte[] plain, bool last)
    {
        try
        {
            var cipherLength = sealedChunk.Length - BackupFormat.TagSize;
            _aes.Decrypt(BackupFormat.Nonce(_index, last), sealedChunk.AsSpan(0, cipherLength), sealedChunk.AsSpan(cipherLength), plain, _associatedData);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _aes.Dispose();
        base.Dispose(disposing);
    }
}
