using System.Buffers;
using Microsoft.Win32.SafeHandles;

namespace RecoveryAssist.Tftp.Files;

/// <summary>A read-only source of bytes served by one transfer. A transfer reads it block by
/// block and disposes it when it ends.</summary>
public abstract class TftpFile : IDisposable
{
    /// <summary>Total length in bytes; announced as tsize and used to find the final block.</summary>
    public abstract long Length { get; }

    /// <summary>Fills <paramref name="destination"/> from <paramref name="offset"/>; returns the
    /// number of bytes read, which is less than the span only at the end of the file.</summary>
    public abstract int Read(long offset, Span<byte> destination);

    public static TftpFile FromBytes(ReadOnlyMemory<byte> content) => new MemoryTftpFile(content);

    /// <summary>Opens a file on disk for one transfer. Only callers that own the mapping of
    /// names to paths (such as <see cref="TftpFileMap"/>) call this.</summary>
    public static TftpFile OpenRead(string path) =>
        new DiskTftpFile(File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read));

    /// <summary>Serves a file already opened (and checked) by the caller; the transfer disposes the handle.</summary>
    public static TftpFile FromHandle(SafeFileHandle handle) => new DiskTftpFile(handle);

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }

    private sealed class MemoryTftpFile(ReadOnlyMemory<byte> content) : TftpFile
    {
        public override long Length => content.Length;

        public override int Read(long offset, Span<byte> destination)
        {
            if (offset >= content.Length)
            {
                return 0;
            }

            ReadOnlySpan<byte> source = content.Span[(int)offset..];
            int count = Math.Min(source.Length, destination.Length);
            source[..count].CopyTo(destination);
            return count;
        }
    }

    /// <summary>
    /// A file on disk, read ahead in large chunks: a transfer asks for one block at a time, and
    /// a read system call per 512 or 1468-byte block costs more than the block's copy.
    /// </summary>
    private sealed class DiskTftpFile(SafeFileHandle handle) : TftpFile
    {
        private const int ReadAheadBytes = 64 * 1024;

        // Fixed at open: a file that grows or shrinks during a transfer must not confuse tsize
        // and the final block.
        private readonly long _length = RandomAccess.GetLength(handle);
        private byte[]? _readAhead;
        private long _bufferedOffset;
        private int _bufferedCount;

        public override long Length => _length;

        public override int Read(long offset, Span<byte> destination)
        {
            int wanted = (int)Math.Min(destination.Length, Math.Max(0, _length - offset));
            if (wanted == 0)
            {
                return 0;
            }

            if (wanted > ReadAheadBytes / 2)
            {
                // Large blocks gain nothing from a copy through the buffer.
                ReadExactly(offset, destination[..wanted]);
                return wanted;
            }

            if (offset < _bufferedOffset || offset + wanted > _bufferedOffset + _bufferedCount)
            {
                // Also taken when a timeout rewinds to an earlier window.
                _readAhead ??= ArrayPool<byte>.Shared.Rent(ReadAheadBytes);
                int count = (int)Math.Min(ReadAheadBytes, _length - offset);
                _bufferedCount = 0;
                ReadExactly(offset, _readAhead.AsSpan(0, count));
                _bufferedOffset = offset;
                _bufferedCount = count;
            }

            _readAhead.AsSpan((int)(offset - _bufferedOffset), wanted).CopyTo(destination);
            return wanted;
        }

        private void ReadExactly(long offset, Span<byte> destination)
        {
            int total = 0;
            while (total < destination.Length)
            {
                int read = RandomAccess.Read(handle, destination[total..], offset + total);
                if (read == 0)
                {
                    throw new IOException("The file became shorter while it was being served.");
                }

                total += read;
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                handle.Dispose();
                if (_readAhead is { } buffer)
                {
                    _readAhead = null;
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }

            base.Dispose(disposing);
        }
    }
}
