using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Baton.Core.Api;

namespace Baton.Cli.Http;

/// <summary>
/// Typed client for the REST API under <c>/api/v1</c>. Every non-success answer becomes a
/// <see cref="BatonApiException"/>; an unreachable server becomes a <see cref="CliException"/> naming the URL.
/// </summary>
public sealed partial class BatonApiClient : IDisposable
{
    /// <summary>Ordinary calls give up after this; uploads and log streams have no overall timeout.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(100);

    private readonly HttpClient _http;
    private readonly TimeProvider _time;

    public BatonApiClient(Uri server, string? apiKey, HttpMessageHandler? handler = null, TimeProvider? time = null)
    {
        Server = server;
        _time = time ?? TimeProvider.System;
        handler ??= new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.All, ConnectTimeout = TimeSpan.FromSeconds(15) };
        _http = new HttpClient(handler, disposeHandler: true)
        {
            // A path prefix (https://host/baton) must end in '/' for relative paths to land under it.
            BaseAddress = new Uri(server.AbsoluteUri.EndsWith('/') ? server.AbsoluteUri : server.AbsoluteUri + "/"),
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("baton-cli", typeof(BatonApiClient).Assembly.GetName().Version?.ToString(3) ?? "0"));
        if (!string.IsNullOrWhiteSpace(apiKey)) _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
    }

    public Uri Server { get; }

    /// <summary>Where the key came from, named in the error when the server refuses it (401).</summary>
    public string? KeySource { get; init; }

    /// <summary>The server URL as people write it, without a trailing slash.</summary>
    public string ServerText => Server.AbsoluteUri.TrimEnd('/');

    // ---- identity and auth ----

    public Task<WhoAmIDto> GetMeAsync(CancellationToken ct) => GetAsync<WhoAmIDto>("api/v1/me", ct);

    public Task<TokenResponse> CreateTokenAsync(TokenRequest request, CancellationToken ct) =>
        SendJsonAsync<TokenResponse>(HttpMethod.Post, "api/v1/auth/token", request, ct);

    // ---- tenants ----

    public Task<CreateTenantResponse> CreateTenantAsync(CreateTenantRequest request, CancellationToken ct) =>
        SendJsonAsync<CreateTenantResponse>(HttpMethod.Post, "api/v1/tenants", request, ct);

    public Task<ListResponse<TenantDto>> ListTenantsAsync(CancellationToken ct) => GetAsync<ListResponse<TenantDto>>("api/v1/tenants", ct);

    public Task<TenantDto> GetTenantAsync(string id, CancellationToken ct) => GetAsync<TenantDto>($"api/v1/tenants/{Segment(id)}", ct);

    /// <summary>The caller's own tenant, with usage.</summary>
    public Task<TenantDto> GetOwnTenantAsync(CancellationToken ct) => GetAsync<TenantDto>("api/v1/tenant", ct);

    public Task<TenantDto> UpdateTenantAsync(string id, UpdateTenantRequest request, CancellationToken ct) =>
        SendJsonAsync<TenantDto>(HttpMethod.Patch, $"api/v1/tenants/{Segment(id)}", request, ct);

    // ---- API keys ----

    public Task<CreatedApiKeyDto> CreateApiKeyAsync(CreateApiKeyRequest request, CancellationToken ct) =>
        SendJsonAsync<CreatedApiKeyDto>(HttpMethod.Post, "api/v1/keys", request, ct);

    public Task<ListResponse<ApiKeyDto>> ListApiKeysAsync(CancellationToken ct) => GetAsync<ListResponse<ApiKeyDto>>("api/v1/keys", ct);

    public Task RevokeApiKeyAsync(string id, CancellationToken ct) => DeleteAsync($"api/v1/keys/{Segment(id)}", ct);

    // ---- enrollment tokens ----

    public Task<CreatedEnrollmentTokenDto> CreateEnrollmentTokenAsync(CreateEnrollmentTokenRequest request, CancellationToken ct) =>
        SendJsonAsync<CreatedEnrollmentTokenDto>(HttpMethod.Post, "api/v1/enrollment-tokens", request, ct);

    public Task<ListResponse<EnrollmentTokenDto>> ListEnrollmentTokensAsync(CancellationToken ct) =>
        GetAsync<ListResponse<EnrollmentTokenDto>>("api/v1/enrollment-tokens", ct);

    public Task RevokeEnrollmentTokenAsync(string id, CancellationToken ct) => DeleteAsync($"api/v1/enrollment-tokens/{Segment(id)}", ct);

    /// <summary>Shared-pool tokens (system admin): agents registered with them serve every participating tenant.</summary>
    public Task<CreatedEnrollmentTokenDto> CreateSharedEnrollmentTokenAsync(CreateEnrollmentTokenRequest request, CancellationToken ct) =>
        SendJsonAsync<CreatedEnrollmentTokenDto>(HttpMethod.Post, "api/v1/shared-pool/enrollment-tokens", request, ct);

    public Task<ListResponse<EnrollmentTokenDto>> ListSharedEnrollmentTokensAsync(CancellationToken ct) =>
        GetAsync<ListResponse<EnrollmentTokenDto>>("api/v1/shared-pool/enrollment-tokens", ct);

    public Task RevokeSharedEnrollmentTokenAsync(string id, CancellationToken ct) => DeleteAsync($"api/v1/shared-pool/enrollment-tokens/{Segment(id)}", ct);

    public Task<ListResponse<AgentDto>> ListSharedAgentsAsync(CancellationToken ct) => GetAsync<ListResponse<AgentDto>>("api/v1/shared-pool/agents", ct);

    public Task<TenantUsageReportDto> GetUsageAsync(CancellationToken ct) => GetAsync<TenantUsageReportDto>("api/v1/usage", ct);

    // ---- packages ----

    /// <summary>Uploads a package zip as the raw body; <paramref name="progress"/> gets the bytes sent so far.</summary>
    public async Task<PackageUploadResponse> UploadPackageAsync(Stream zip, IProgress<long>? progress, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/packages")
        {
            Content = new ProgressStreamContent(zip, progress),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        using var response = await SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout: null, ct);
        return await ReadJsonAsync<PackageUploadResponse>(response, ct);
    }

    public Task<ListResponse<PackageSummaryDto>> ListPackagesAsync(CancellationToken ct) =>
        GetAsync<ListResponse<PackageSummaryDto>>("api/v1/packages", ct);

    public Task<ListResponse<PackageVersionDto>> ListPackageVersionsAsync(string name, CancellationToken ct) =>
        GetAsync<ListResponse<PackageVersionDto>>($"api/v1/packages/{Segment(name)}", ct);

    public Task<PackageVersionDto> GetPackageVersionAsync(string name, string version, CancellationToken ct) =>
        GetAsync<PackageVersionDto>($"api/v1/packages/{Segment(name)}/{Segment(version)}", ct);

    public async Task DownloadPackageAsync(string name, string version, Stream destination, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/v1/packages/{Segment(name)}/{Segment(version)}/download");
        using var response = await SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout: null, ct);
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        await body.CopyToAsync(destination, ct);
    }

    public Task DeletePackageAsync(string name, string version, CancellationToken ct) =>
        DeleteAsync($"api/v1/packages/{Segment(name)}/{Segment(version)}", ct);

    // ---- queues ----

    public Task<QueueDto> CreateQueueAsync(CreateQueueRequest request, CancellationToken ct) =>
        SendJsonAsync<QueueDto>(HttpMethod.Post, "api/v1/queues", request, ct);

    public Task<ListResponse<QueueDto>> ListQueuesAsync(CancellationToken ct) => GetAsync<ListResponse<QueueDto>>("api/v1/queues", ct);

    public Task<QueueDto> UpdateQueueAsync(string name, UpdateQueueRequest request, CancellationToken ct) =>
        SendJsonAsync<QueueDto>(HttpMethod.Patch, $"api/v1/queues/{Segment(name)}", request, ct);

    public Task<QueueDto> PauseQueueAsync(string name, CancellationToken ct) =>
        SendJsonAsync<QueueDto>(HttpMethod.Post, $"api/v1/queues/{Segment(name)}/pause", body: null, ct);

    public Task<QueueDto> ResumeQueueAsync(string name, CancellationToken ct) =>
        SendJsonAsync<QueueDto>(HttpMethod.Post, $"api/v1/queues/{Segment(name)}/resume", body: null, ct);

    // ---- schedules and calendars ----

    public Task<ScheduleDto> CreateScheduleAsync(CreateScheduleRequest request, CancellationToken ct) =>
        SendJsonAsync<ScheduleDto>(HttpMethod.Post, "api/v1/schedules", request, ct);

    public Task<ListResponse<ScheduleDto>> ListSchedulesAsync(CancellationToken ct) => GetAsync<ListResponse<ScheduleDto>>("api/v1/schedules", ct);

    public Task<ScheduleDto> GetScheduleAsync(string idOrName, CancellationToken ct) => GetAsync<ScheduleDto>($"api/v1/schedules/{Segment(idOrName)}", ct);

    public Task<ScheduleDto> PauseScheduleAsync(string idOrName, CancellationToken ct) =>
        SendJsonAsync<ScheduleDto>(HttpMethod.Post, $"api/v1/schedules/{Segment(idOrName)}/pause", body: null, ct);

    public Task<ScheduleDto> ResumeScheduleAsync(string idOrName, CancellationToken ct) =>
        SendJsonAsync<ScheduleDto>(HttpMethod.Post, $"api/v1/schedules/{Segment(idOrName)}/resume", body: null, ct);

    public Task<ScheduleFiresDto> NextFiresAsync(string idOrName, int count, CancellationToken ct) =>
        GetAsync<ScheduleFiresDto>($"api/v1/schedules/{Segment(idOrName)}/next?count={count}", ct);

    public Task DeleteScheduleAsync(string idOrName, CancellationToken ct) => DeleteAsync($"api/v1/schedules/{Segment(idOrName)}", ct);

    public Task<CalendarDto> CreateCalendarAsync(CalendarRequest request, CancellationToken ct) =>
        SendJsonAsync<CalendarDto>(HttpMethod.Post, "api/v1/calendars", request, ct);

    /// <summary>
    /// Creates the calendar <paramref name="name"/> from an iCalendar file's events; an existing one gets the file's holidays
    /// added (<paramref name="merge"/>) or is replaced.
    /// </summary>
    public async Task<CalendarDto> ImportCalendarAsync(
        string name, string ics, IReadOnlyList<string>? workingDays, string? timeZone, bool merge, CancellationToken ct)
    {
        var query = new List<string>();
        if (merge) query.Add("merge=true");
        if (workingDays is { Count: > 0 }) query.Add("workingDays=" + Uri.EscapeDataString(string.Join(',', workingDays)));
        if (timeZone is not null) query.Add("timeZone=" + Uri.EscapeDataString(timeZone));
        var path = $"api/v1/calendars/{Segment(name)}" + (query.Count > 0 ? "?" + string.Join('&', query) : "");
        using var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = new StringContent(ics, System.Text.Encoding.UTF8, "text/calendar") };
        using var response = await SendAsync(request, HttpCompletionOption.ResponseContentRead, RequestTimeout, ct);
        return await ReadJsonAsync<CalendarDto>(response, ct);
    }

    public Task<ListResponse<CalendarDto>> ListCalendarsAsync(CancellationToken ct) => GetAsync<ListResponse<CalendarDto>>("api/v1/calendars", ct);

    public Task<CalendarDto> GetCalendarAsync(string name, CancellationToken ct) => GetAsync<CalendarDto>($"api/v1/calendars/{Segment(name)}", ct);

    public Task DeleteCalendarAsync(string name, CancellationToken ct) => DeleteAsync($"api/v1/calendars/{Segment(name)}", ct);

    // ---- agents ----

    public Task<ListResponse<AgentDto>> ListAgentsAsync(CancellationToken ct) => GetAsync<ListResponse<AgentDto>>("api/v1/agents", ct);

    public void Dispose() => _http.Dispose();

    // ---- plumbing ----

    private static string Segment(string value) => Uri.EscapeDataString(value);

    private async Task<T> GetAsync<T>(string path, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        using var response = await SendAsync(request, HttpCompletionOption.ResponseContentRead, RequestTimeout, ct);
        return await ReadJsonAsync<T>(response, ct);
    }

    private async Task<T> SendJsonAsync<T>(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = JsonContent.Create(body, BatonJson.Wire.GetTypeInfo(body.GetType()));
        using var response = await SendAsync(request, HttpCompletionOption.ResponseContentRead, RequestTimeout, ct);
        return await ReadJsonAsync<T>(response, ct);
    }

    private async Task DeleteAsync(string path, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, path);
        using var _ = await SendAsync(request, HttpCompletionOption.ResponseContentRead, RequestTimeout, ct);
    }

    /// <summary>Sends, turning transport failures into messages naming the server and non-success into <see cref="BatonApiException"/>.</summary>
    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, HttpCompletionOption completion, TimeSpan? timeout, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (timeout is { } limit) deadline.CancelAfter(limit);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, completion, deadline.Token);
        }
        catch (HttpRequestException e)
        {
            throw new CliException($"cannot reach the Baton server at {ServerText}: {e.Message}", e);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new CliException($"the Baton server at {ServerText} did not answer within {timeout?.TotalSeconds:0}s", e);
        }
        if (response.IsSuccessStatusCode) return response;
        using (response)
        {
            throw await ReadProblemAsync(response, ct);
        }
    }

    private static async Task<T> ReadJsonAsync<T>(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync(BatonJson.Wire.InfoOf<T>(), ct)
                ?? throw new CliException($"the server answered {request(response)} with an empty body");
        }
        catch (JsonException e)
        {
            throw new CliException($"the server's answer to {request(response)} is not the JSON the CLI expects: {e.Message}", e);
        }

        static string request(HttpResponseMessage r) => $"{r.RequestMessage?.Method} {r.RequestMessage?.RequestUri?.AbsolutePath}";
    }

    private async Task<BatonApiException> ReadProblemAsync(HttpResponseMessage response, CancellationToken ct)
    {
        string? type = null, title = null, detail = null;
        var text = await response.Content.ReadAsStringAsync(ct);
        var mediaType = response.Content.Headers.ContentType?.MediaType ?? "";
        if (mediaType.Contains("json", StringComparison.OrdinalIgnoreCase) && text.Length > 0)
        {
            try
            {
                using var document = JsonDocument.Parse(text);
                var root = document.RootElement;
                if (root.ValueKind == JsonValueKind.Object)
                {
                    type = StringProperty(root, "type");
                    title = StringProperty(root, "title");
                    detail = StringProperty(root, "detail");
                    var fieldErrors = DescribeFieldErrors(root);
                    if (fieldErrors is not null) detail = detail is null ? fieldErrors : $"{detail} ({fieldErrors})";
                }
            }
            catch (JsonException)
            {
                detail = Shorten(text);
            }
        }
        else if (!string.IsNullOrWhiteSpace(text))
        {
            detail = Shorten(text);
        }
        title ??= response.ReasonPhrase ?? $"HTTP {(int)response.StatusCode}";
        return new BatonApiException(response.StatusCode, type, title, detail, RetryAfter(response)) { KeySource = KeySource };
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta) return delta;
        if (header?.Date is { } date)
        {
            var wait = date - _time.GetUtcNow();
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }
        return null;
    }

    private static string? StringProperty(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>ASP.NET validation problems list messages per field under <c>errors</c>.</summary>
    private static string? DescribeFieldErrors(JsonElement root)
    {
        if (!root.TryGetProperty("errors", out var errors) || errors.ValueKind != JsonValueKind.Object) return null;
        var parts = new List<string>();
        foreach (var field in errors.EnumerateObject())
        {
            var messages = field.Value.ValueKind == JsonValueKind.Array
                ? field.Value.EnumerateArray().Where(m => m.ValueKind == JsonValueKind.String).Select(m => m.GetString())
                : [field.Value.ToString()];
            parts.Add($"{field.Name}: {string.Join("; ", messages)}");
        }
        return parts.Count == 0 ? null : string.Join(", ", parts);
    }

    private static string Shorten(string text)
    {
        var oneLine = text.ReplaceLineEndings(" ").Trim();
        return oneLine.Length <= 300 ? oneLine : oneLine[..300] + "…";
    }
}
