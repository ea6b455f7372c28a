using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace RecoveryAssist.Cli.Remote;

/// <summary>A refusal or failure from the appliance, as one line for stderr.</summary>
internal sealed class ApiException(int exitCode, string message, string? problem = null) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    /// <summary>The problem's title (e.g. <c>totp-required</c>), when the appliance gave one.</summary>
    public string? Problem { get; } = problem;
}

/// <summary>Talks to the appliance's API with a token; turns ProblemDetails into one readable line.</summary>
internal sealed class ApiClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly ServerTrust? _trust;

    /// <param name="timeout">How long one request may take (default 100 s; an ISO upload needs longer).</param>
    /// <param name="trust">The certificate check behind <paramref name="handler"/>, to name why a connection was refused.</param>
    public ApiClient(Uri server, string? token, HttpMessageHandler? handler = null, TimeSpan? timeout = null, ServerTrust? trust = null)
    {
        _trust = trust;
        _http = new HttpClient(handler ?? new HttpClientHandler { UseCookies = true }) { BaseAddress = server, Timeout = timeout ?? TimeSpan.FromSeconds(100) };
        if (token is not null)
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public Task<JsonElement> GetAsync(string path) => SendAsync(HttpMethod.Get, path, null);

    /// <summary>After a cookie sign-in: the session's CSRF token, which every change made with the cookie must carry.</summary>
    public void UseCsrfToken(string token) => _http.DefaultRequestHeaders.Add(RecoveryAssist.Server.Features.Auth.SessionAuthenticationHandler.CsrfHeader, token);

    public Task<JsonElement> PostAsync(string path, object? body) => SendAsync(HttpMethod.Post, path, body is null ? null : JsonContent.Create(body));

    public Task<JsonElement> PutAsync(string path, object body) => SendAsync(HttpMethod.Put, path, JsonContent.Create(body));

    public Task<JsonElement> DeleteAsync(string path) => SendAsync(HttpMethod.Delete, path, null);

    public Task<JsonElement> DeleteAsync(string path, object body) => SendAsync(HttpMethod.Delete, path, JsonContent.Create(body));

    /// <summary>A GET whose answer is not JSON (a CSV report).</summary>
    public Task<string> GetTextAsync(string path) => SendRawAsync(HttpMethod.Get, path, null);

    /// <summary>Streams a file as the request body (an installer ISO), without reading it into memory.</summary>
    public async Task<JsonElement> PostFileAsync(string path, string file)
    {
        await using var stream = File.OpenRead(file);
        var content = new StreamContent(stream);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return await SendAsync(HttpMethod.Post, path, content).ConfigureAwait(false);
    }

    /// <summary>A POST whose answer (a backup) is streamed to <paramref name="file"/> (0600), written whole or not at all.</summary>
    /// <returns>The bytes written.</returns>
    public async Task<long> PostToFileAsync(string path, object body, string file)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new ApiException(ExitCodes.Failure, $"cannot reach the appliance at {_http.BaseAddress}: {e.Message}");
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                throw new ApiException(response.StatusCode == HttpStatusCode.BadRequest ? ExitCodes.InvalidInput : ExitCodes.Failure, Describe(response.StatusCode, text), Title(text));
            }
            var partial = file + ".partial";
            try
            {
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows())
                    options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                long length;
                await using (var output = new FileStream(partial, options))
                {
                    await response.Content.CopyToAsync(output).ConfigureAwait(false);
                    length = output.Length;
                }
                File.Move(partial, file);
                return length;
            }
            finally
            {
                File.Delete(partial);
            }
        }
    }

    public Task<JsonElement> PostTextAsync(string path, string text, string mediaType) =>
        SendAsync(HttpMethod.Post, path, new StringContent(text, System.Text.Encoding.UTF8, mediaType));

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, HttpContent? content)
    {
        var text = await SendRawAsync(method, path, content).ConfigureAwait(false);
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task<string> SendRawAsync(HttpMethod method, string path, HttpContent? content)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request).ConfigureAwait(false);
        }
        catch (HttpRequestException) when (_trust?.Refusal is { } refusal)
        {
            throw new ApiException(ExitCodes.Failure, "refused the connection: " + refusal);
        }
        catch (HttpRequestException e)
        {
            throw new ApiException(ExitCodes.Failure, $"cannot reach the appliance at {_http.BaseAddress}: {e.Message}");
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
                return text;
            throw new ApiException(response.StatusCode == HttpStatusCode.BadRequest ? ExitCodes.InvalidInput : ExitCodes.Failure, Describe(response.StatusCode, text), Title(text));
        }
    }

    private static string? Title(string body)
    {
        try
        {
            return JsonDocument.Parse(body).RootElement.TryGetProperty("title", out var title) && title.ValueKind == JsonValueKind.String ? title.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Describe(HttpStatusCode status, string body)
    {
        try
        {
            var problem = JsonDocument.Parse(body).RootElement;
            if (problem.TryGetProperty("detail", out var detail) && detail.GetString() is { Length: > 0 } message)
                return message;
        }
        catch (JsonException)
        {
        }
        return status switch
        {
            HttpStatusCode.Unauthorized => "not signed in, or the token is no longer valid: run 'recoveryassist login'",
            HttpStatusCode.Forbidden => "your role or token does not allow this",
            _ => $"the appliance answered {(int)status} {status}",
        };
    }

    public void Dispose() => _http.Dispose();
}
