using System.CommandLine;

namespace RecoveryAssist.Cli.Remote;

/// <summary>Where the appliance is and how to authenticate: --server, RECOVERYASSIST_SERVER, RECOVERYASSIST_TOKEN or the login file.</summary>
internal static class RemoteSettings
{
    public const string ServerVariable = "RECOVERYASSIST_SERVER";
    public const string TokenVariable = "RECOVERYASSIST_TOKEN";
    public const string CaVariable = "RECOVERYASSIST_CA";
    public const string DefaultServer = "https://127.0.0.1:8443";

    public static readonly Option<Uri> Server = new("--server")
    {
        Description = $"The appliance's URL (default: ${ServerVariable} or {DefaultServer}).",
        Recursive = true,
        DefaultValueFactory = _ => new Uri(Environment.GetEnvironmentVariable(ServerVariable) is { Length: > 0 } s ? s : DefaultServer),
        // System.CommandLine has no converter for Uri: without this parser any --server given failed.
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
                return uri;
            result.AddError($"--server: expected an http or https URL such as {DefaultServer}, got '{text}'");
            return null;
        },
    };

    public static readonly Option<string?> Ca = new("--ca")
    {
        Description = $"A PEM CA certificate (or the appliance's own certificate) to trust instead of pinning on first contact (default: ${CaVariable}).",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(CaVariable) is { Length: > 0 } ca ? ca : null,
    };

    /// <summary>Certificate fingerprints pinned on first contact, one <c>host:port fingerprint</c> a line, beside the token file.</summary>
    public static string KnownServersFile => Path.Combine(Path.GetDirectoryName(TokenFile)!, "known_servers");

    /// <summary>The token file <c>login</c> writes: readable by its owner only.</summary>
    /// <remarks>DoNotVerify: without it the folder's path is empty when ~/.config does not exist yet, and the token would land in the current directory.</remarks>
    public static string TokenFile =>
        Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData, Environment.SpecialFolderOption.DoNotVerify) is { Length: > 0 } folder
            ? Path.Combine(folder, "recoveryassist", "token")
            : throw new ApiException(ExitCodes.Failure, $"no home directory to keep a token in: set HOME, or pass a token in ${TokenVariable}");

    public static string? Token() =>
        Environment.GetEnvironmentVariable(TokenVariable) is { Length: > 0 } token ? token
        : File.Exists(TokenFile) ? File.ReadAllText(TokenFile).Trim()
        : null;

    public static void SaveToken(string token)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(TokenFile)!);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using var writer = new StreamWriter(new FileStream(TokenFile, options));
        writer.Write(token);
    }

    public static ApiClient Client(ParseResult result, bool authenticated = true, TimeSpan? timeout = null)
    {
        var server = result.GetValue(Server)!;
        var trust = new ServerTrust(server, result.GetValue(Ca), KnownServersFile, Console.Error);
        return new ApiClient(server, authenticated ? Token() : null, trust.Handler(), timeout, trust);
    }
}
