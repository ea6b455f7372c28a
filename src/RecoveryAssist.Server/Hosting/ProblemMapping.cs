using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace RecoveryAssist.Server.Hosting;

/// <summary>The one place where errors become ProblemDetails: a stable type, a status and a short message.</summary>
internal sealed partial class ProblemMapping(IProblemDetailsService problems, ILogger<ProblemMapping> logger) : IExceptionHandler
{
    public const string TypeBase = "https://recoveryassist.invalid/problems/";

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var (status, code, detail, extensions) = exception switch
        {
            ProblemException p => (p.Status, p.Code, p.Message, p.Extensions),
            BadHttpRequestException b when b.InnerException is JsonException j => (400, "invalid-json", DescribeJson(j), null),
            BadHttpRequestException b => (b.StatusCode, b.StatusCode == 413 ? "too-large" : "bad-request", b.StatusCode == 413 ? "The request body is too large." : "The request could not be read: " + b.Message, null),
            _ => (500, "internal", "An internal error occurred; the appliance log has the details.", (object?)null),
        };
        if (status >= 500)
            LogUnhandled(logger, exception, RedactedPath(context.Request.Path));
        var problem = new ProblemDetails
        {
            Status = status,
            Type = TypeBase + code,
            Title = code,
            Detail = detail,
        };
        if (extensions is RetryAfter retry)
            context.Response.Headers.RetryAfter = retry.Seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        else if (extensions is not null)
            problem.Extensions["results"] = extensions;
        context.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception }).ConfigureAwait(false);
    }

    /// <summary>The one-time boot.cfg URL carries its token in the path: never log it.</summary>
    public static string RedactedPath(PathString path) =>
        path.StartsWithSegments("/boot/cfg", StringComparison.OrdinalIgnoreCase) ? "/boot/cfg/[redacted]" : path.ToString();

    // System.Text.Json's messages name the JSON path and line, and never echo values.
    private static string DescribeJson(JsonException e) =>
        $"The JSON body is not valid at {e.Path ?? "$"} (line {(e.LineNumber ?? 0) + 1}): {FirstSentence(e.Message)}";

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..(end + 1)];
    }

    [LoggerMessage(EventId = 1000, Level = LogLevel.Error, Message = "Unhandled error on {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string path);
}
