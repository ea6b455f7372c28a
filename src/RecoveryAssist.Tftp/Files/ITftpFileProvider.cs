using System.Net;

namespace RecoveryAssist.Tftp.Files;

/// <summary>The only way the server gets bytes: a read-only, virtual map of allowed names.
/// The name has already been validated (no absolute paths, no '..', no backslashes, no
/// control characters). Return null for a name that is not served.</summary>
public interface ITftpFileProvider
{
    ValueTask<TftpFile?> OpenAsync(TftpFileRequest request, CancellationToken cancellationToken);
}

/// <summary>One request as a provider sees it: the validated name, the client that asked
/// (for content generated per machine), and whether names match case-insensitively.</summary>
public sealed record TftpFileRequest(string Name, IPEndPoint Client, bool IgnoreCase);
