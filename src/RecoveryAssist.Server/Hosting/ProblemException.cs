namespace RecoveryAssist.Server.Hosting;

/// <summary>
/// A refusal the caller can act on: a stable code, an HTTP status and a short message that
/// never holds secrets. Mapped to ProblemDetails in one place (<see cref="ProblemMapping"/>).
/// </summary>
internal sealed class ProblemException(int status, string code, string message, object? extensions = null)
    : Exception(message)
{
    public int Status { get; } = status;

    public string Code { get; } = code;

    /// <summary>Extra members of the problem document, e.g. per-record import results.</summary>
    public object? Extensions { get; } = extensions;

    public static ProblemException BadRequest(string code, string message, object? extensions = null) => new(400, code, message, extensions);

    public static ProblemException NotFound(string what) => new(404, "not-found", $"{what} was not found.");

    public static ProblemException Conflict(string code, string message) => new(409, code, message);

    public static ProblemException Forbidden(string code, string message) => new(403, code, message);
}

/// <summary>Extensions of a 429 refusal: mapped to a <c>Retry-After</c> header.</summary>
internal sealed record RetryAfter(int Seconds);
