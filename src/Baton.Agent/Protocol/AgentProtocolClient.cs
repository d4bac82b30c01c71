using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Baton.Core.AgentProtocol;
using Microsoft.Extensions.Logging;

namespace Baton.Agent.Protocol;

/// <summary>
/// Typed client for /api/agent/v1. Fails over between server URLs in order on connection errors,
/// timeouts and 5xx, and sticks with the last server that answered. Maps status codes to the
/// exceptions in ProtocolExceptions.cs; retrying is the caller's decision.
/// </summary>
public sealed class AgentProtocolClient
{
    private static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan DownloadTimeout = TimeSpan.FromMinutes(15);

    private readonly HttpClient _http;
    private readonly ILogger _logger;
    private IReadOnlyList<Uri> _servers;
    private int _current;
    private string? _credential;
    /// <summary>Servers (by base address) that answered a completion with a job list: they take folded logs and claims.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _takesFoldedLogs = new(StringComparer.Ordinal);

    public AgentProtocolClient(HttpClient http, IReadOnlyList<Uri> servers, ILogger<AgentProtocolClient> logger)
    {
        if (servers.Count == 0)
            throw new ArgumentException("At least one server URL is required.", nameof(servers));
        _http = http;
        _servers = servers;
        _logger = logger;
    }

    public IReadOnlyList<Uri> Servers => _servers;

    public void UseCredential(string credential) => _credential = credential;

    /// <summary>
    /// Whether the server this client talks to now stores log lines sent with a completion. Learnt from its
    /// answers to completions (see <see cref="CompleteJobResponse.Jobs"/>); unknown counts as no, so an
    /// older server never silently drops a job's last lines.
    /// </summary>
    public bool TakesFoldedLogs
    {
        get
        {
            var servers = _servers;
            return _takesFoldedLogs.TryGetValue(EnsureTrailingSlash(servers[Volatile.Read(ref _current) % servers.Count]).AbsoluteUri, out var takes) && takes;
        }
    }

    public async Task<RegisterAgentResponse> RegisterAsync(RegisterAgentRequest request, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => JsonPost("api/agent/v1/register", request), DefaultRequestTimeout, cancellationToken);
        if (response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Conflict or HttpStatusCode.UnprocessableEntity or HttpStatusCode.Unauthorized)
        {
            var detail = await ReadProblemDetailAsync(response, cancellationToken);
            throw new AgentException($"The server refused to register this agent ({(int)response.StatusCode}): {detail}");
        }

        return await ReadJsonAsync<RegisterAgentResponse>(response, "register", cancellationToken);
    }

    public async Task<PollResponse> PollAsync(PollRequest request, CancellationToken cancellationToken)
    {
        var timeout = TimeSpan.FromSeconds(request.WaitSeconds) + TimeSpan.FromSeconds(30);
        using var response = await SendAsync(() => JsonPost("api/agent/v1/poll", request), timeout, cancellationToken);
        return await ReadJsonAsync<PollResponse>(response, "poll", cancellationToken);
    }

    /// <summary>Copies the package zip with this SHA-256 into <paramref name="destination"/>.</summary>
    public async Task DownloadPackageAsync(string sha256, Stream destination, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(DownloadTimeout);
        using var response = await SendAsync(
            () => new HttpRequestMessage(HttpMethod.Get, $"api/agent/v1/packages/{Uri.EscapeDataString(sha256)}"),
            DownloadTimeout, timeout.Token, HttpCompletionOption.ResponseHeadersRead);
        await ThrowForErrorAsync(response, "package download", cancellationToken);
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            await body.CopyToAsync(destination, timeout.Token);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new ServerUnavailableException($"Package download of {sha256} broke off: {ex.Message}", ex);
        }
    }

    public async Task StartJobAsync(string jobId, StartJobRequest request, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => JsonPost(JobPath(jobId, "start"), request), DefaultRequestTimeout, cancellationToken);
        await ThrowForErrorAsync(response, "start", cancellationToken);
    }

    /// <summary>Sends a log batch gzip-compressed.</summary>
    public async Task<AppendLogsResponse> AppendLogsAsync(string jobId, AppendLogsRequest request, CancellationToken cancellationToken)
    {
        var compressed = Gzip(request);
        using var response = await SendAsync(() =>
        {
            var content = new ByteArrayContent(compressed);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            content.Headers.ContentEncoding.Add("gzip");
            return new HttpRequestMessage(HttpMethod.Post, JobPath(jobId, "logs")) { Content = content };
        }, DefaultRequestTimeout, cancellationToken);
        return await ReadJsonAsync<AppendLogsResponse>(response, "logs", cancellationToken);
    }

    /// <summary>Streams one artifact file of the attempt (reopened for each server tried).</summary>
    public async Task<Core.Api.ArtifactUploadResponse> UploadArtifactAsync(string jobId, int attempt, string name, string path, CancellationToken cancellationToken)
    {
        var query = $"?attempt={attempt.ToString(System.Globalization.CultureInfo.InvariantCulture)}&name={Uri.EscapeDataString(name)}";
        using var response = await SendAsync(() =>
        {
            var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81_920, useAsync: true);
            var content = new StreamContent(file, 81_920);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            content.Headers.ContentLength = file.Length;
            return new HttpRequestMessage(HttpMethod.Post, JobPath(jobId, "artifacts") + query) { Content = content };
        }, DownloadTimeout, cancellationToken);
        return await ReadJsonAsync<Core.Api.ArtifactUploadResponse>(response, "artifact upload", cancellationToken);
    }

    public async Task<CompleteJobResponse?> CompleteJobAsync(string jobId, CompleteJobRequest request, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => JsonPost(JobPath(jobId, "complete"), request), DefaultRequestTimeout, cancellationToken);
        await ThrowForErrorAsync(response, "complete", cancellationToken);
        CompleteJobResponse? answer = null;
        if (response.Content.Headers.ContentLength != 0)
        {
            try
            {
                answer = await response.Content.ReadFromJsonAsync<CompleteJobResponse>(AgentJson.Options, cancellationToken);
            }
            catch (JsonException)
            {
            }
        }

        if (ServerOf(response) is { } server)
            _takesFoldedLogs[server] = answer?.Jobs is not null;
        return answer;
    }

    /// <summary>An asset for the job's running attempt; null when the job may not read one of that name.</summary>
    public async Task<JobAssetResponse?> GetJobAssetAsync(string jobId, int attempt, string name, CancellationToken cancellationToken)
    {
        var path = JobPath(jobId, $"assets/{Uri.EscapeDataString(name)}?attempt={attempt.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, path), DefaultRequestTimeout, cancellationToken);
        // A missing asset names the field at fault; a missing job (or stale attempt) does not, and ends the attempt as usual.
        if (response.StatusCode == HttpStatusCode.NotFound && await NamesFieldAsync(response, "name", cancellationToken))
            return null;
        return await ReadJsonAsync<JobAssetResponse>(response, "asset", cancellationToken);
    }

    public async Task SaveCheckpointAsync(string jobId, SaveCheckpointRequest request, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(
            () => new HttpRequestMessage(HttpMethod.Put, JobPath(jobId, "checkpoint")) { Content = JsonContent.Create(request, options: AgentJson.Options) },
            DefaultRequestTimeout, cancellationToken);
        await ThrowForErrorAsync(response, "checkpoint", cancellationToken);
    }

    public async Task<JobCheckpointResponse> GetCheckpointAsync(string jobId, int attempt, CancellationToken cancellationToken)
    {
        var path = JobPath(jobId, $"checkpoint?attempt={attempt.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, path), DefaultRequestTimeout, cancellationToken);
        return await ReadJsonAsync<JobCheckpointResponse>(response, "checkpoint", cancellationToken);
    }

    private static async Task<bool> NamesFieldAsync(HttpResponseMessage response, string field, CancellationToken cancellationToken)
    {
        try
        {
            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("field", out var named) && named.ValueKind == JsonValueKind.String && named.GetString() == field;
        }
        catch (Exception ex) when (ex is JsonException or HttpRequestException)
        {
            return false;
        }
    }

    /// <summary>
    /// A call of a running job's channel (<c>jobs/{jobId}/{call}</c>, e.g. <c>workitems/claim</c>) with a JSON body, answered
    /// as status and body text whatever the status (the job decides what a refusal means); 5xx and 429 still throw
    /// <see cref="ServerUnavailableException"/> after failing over, so the caller can retry.
    /// </summary>
    public async Task<(int Status, string Body)> CallJobChannelAsync(string jobId, string call, string json, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, JobPath(jobId, call))
        {
            Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
        }, DefaultRequestTimeout, cancellationToken);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }

    /// <summary>The base address (as listed) of the server that answered.</summary>
    private string? ServerOf(HttpResponseMessage response)
    {
        var uri = response.RequestMessage?.RequestUri?.AbsoluteUri;
        return uri is null ? null : _servers.Select(s => EnsureTrailingSlash(s).AbsoluteUri).FirstOrDefault(s => uri.StartsWith(s, StringComparison.Ordinal));
    }

    private static string JobPath(string jobId, string action) => $"api/agent/v1/jobs/{Uri.EscapeDataString(jobId)}/{action}";

    private static HttpRequestMessage JsonPost<T>(string path, T body) =>
        new(HttpMethod.Post, path) { Content = JsonContent.Create(body, options: AgentJson.Options) };

    private static byte[] Gzip<T>(T value)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
            JsonSerializer.Serialize(gzip, value, AgentJson.Options);
        return buffer.ToArray();
    }

    private async Task<HttpResponseMessage> SendAsync(
        Func<HttpRequestMessage> createRequest,
        TimeSpan timeout,
        CancellationToken cancellationToken,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        var servers = _servers;
        var start = Volatile.Read(ref _current);
        string? lastProblem = null;
        Exception? lastException = null;
        for (var i = 0; i < servers.Count; i++)
        {
            var index = (start + i) % servers.Count;
            var server = servers[index];
            using var request = createRequest();
            request.RequestUri = new Uri(EnsureTrailingSlash(server), request.RequestUri!.OriginalString);
            if (_credential is not null)
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _credential);
            using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeoutSource.CancelAfter(timeout);
            try
            {
                var response = await _http.SendAsync(request, completion, timeoutSource.Token);
                var status = (int)response.StatusCode;
                if (status >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    lastProblem = $"{server} answered {status}";
                    response.Dispose();
                    continue;
                }

                if (index != start)
                    _logger.LogInformation("Failed over to server {Server}", server);
                Volatile.Write(ref _current, index);
                if (response.StatusCode == HttpStatusCode.Unauthorized && _credential is not null)
                {
                    response.Dispose();
                    throw new CredentialRejectedException(
                        $"The server {server} rejected this agent's credential (401). Remove agent.json from the data directory and register again with a new enrollment token.");
                }

                return response;
            }
            catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                lastException = ex;
                lastProblem = ex is OperationCanceledException ? $"{server} did not answer within {timeout.TotalSeconds:0} s" : $"{server}: {ex.Message}";
                _logger.LogDebug(ex, "Request to {Server} failed", server);
            }
        }

        throw new ServerUnavailableException($"No Baton server is reachable ({lastProblem}).", lastException);
    }

    private static Uri EnsureTrailingSlash(Uri server) =>
        server.AbsoluteUri.EndsWith('/') ? server : new Uri(server.AbsoluteUri + "/");

    private static async Task<T> ReadJsonAsync<T>(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        await ThrowForErrorAsync(response, what, cancellationToken);
        try
        {
            return await response.Content.ReadFromJsonAsync<T>(AgentJson.Options, cancellationToken)
                ?? throw new ServerUnavailableException($"The server sent an empty {what} response.");
        }
        catch (Exception ex) when (ex is JsonException or HttpRequestException or IOException)
        {
            throw new ServerUnavailableException($"The server sent an unreadable {what} response: {ex.Message}", ex);
        }
    }

    private static async Task ThrowForErrorAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
            return;
        var detail = await ReadProblemDetailAsync(response, cancellationToken);
        throw response.StatusCode switch
        {
            HttpStatusCode.Conflict or HttpStatusCode.NotFound or HttpStatusCode.Gone =>
                new StaleAttemptException($"{what}: {(int)response.StatusCode} {detail}"),
            _ => new ProtocolRequestException((int)response.StatusCode, $"{what}: {(int)response.StatusCode} {detail}"),
        };
    }

    private static async Task<string> ReadProblemDetailAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        string text;
        try
        {
            text = await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (HttpRequestException)
        {
            return response.ReasonPhrase ?? "no detail";
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                if (root.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String)
                    return detail.GetString()!;
                if (root.TryGetProperty("title", out var title) && title.ValueKind == JsonValueKind.String)
                    return title.GetString()!;
            }
        }
        catch (JsonException)
        {
        }

        return string.IsNullOrWhiteSpace(text) ? response.ReasonPhrase ?? "no detail" : text.Length > 500 ? text[..500] : text;
    }
}
