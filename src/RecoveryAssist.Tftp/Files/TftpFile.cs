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

    private sealed class DiskTftpFile(SafeFileHandle handle) : TftpFile
    {
        // Fixed at open: a file that grows or shrinks during a transfer must not confuse tsize
        // and the final block.
        private readonly long _length = RandomAccess.GetLength(handle);

        public override long Length => _length;

        public override int Read(long offset, Span<byte> destination)
        {
            int wanted = (int)Math.Min(destination.Length, Math.Max(0, _length - offset));
            int total = 0;
            while (total < wanted)
            {
                int read = RandomAccess.Read(handle, destination[total..wanted], offset + total);
                if (read == 0)
                {
                    throw new IOException("The file became shorter while it was being served.");
                }

                total += read;
            }

            return total;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                handle.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
