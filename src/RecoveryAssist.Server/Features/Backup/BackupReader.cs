using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;

namespace RecoveryAssist.Server.Features.Backup;

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
