using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;

namespace RecoveryAssist.Server.Features.Backup;

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
