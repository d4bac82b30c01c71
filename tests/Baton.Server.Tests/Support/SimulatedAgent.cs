using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Baton.Core.AgentProtocol;
using Baton.Core.Api;

namespace Baton.Server.Tests.Support;

/// <summary>Speaks the agent protocol over real HTTP, without running anything.</summary>
public sealed class SimulatedAgent : IDisposable
{
    private readonly HttpClient _http;

    private SimulatedAgent(HttpClient http, RegisterAgentResponse registration)
    {
        _http = http;
        Registration = registration;
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", registration.Credential);
    }

    public RegisterAgentResponse Registration { get; }

    public string Id => Registration.AgentId;

    /// <summary>The agent's own authenticated client, for calls the helpers below do not make.</summary>
    public HttpClient Http => _http;

    public static AgentCapabilities LinuxWithPython(string version = "3.11.7", IReadOnlyDictionary<string, string>? labels = null) =>
        new("linux", "x64", [new PythonInterpreterInfo(version, "/usr/bin/python3")], labels ?? new Dictionary<string, string>());

    public static async Task<HttpResponseMessage> TryRegisterAsync(
        ServerHarness server, string enrollmentToken, string name = "sim", AgentCapabilities? capabilities = null, int slots = 4, AgentResources? resources = null)
    {
        using var http = server.Client(bearer: null);
        return await http.PostAsJsonAsync("/api/agent/v1/register", new RegisterAgentRequest(
            enrollmentToken, name, capabilities ?? LinuxWithPython(), slots, resources ?? new AgentResources(2, 4096, 10_000), "test"), ServerHarness.Json);
    }

    public static async Task<SimulatedAgent> RegisterAsync(
        ServerHarness server, TestTenant tenant, string name = "sim", AgentCapabilities? capabilities = null, int slots = 4, AgentResources? resources = null)
    {
        var token = await CreateEnrollmentTokenAsync(tenant);
        var response = await TryRegisterAsync(server, token, name, capabilities, slots, resources);
        response.EnsureSuccessStatusCode();
        var registration = (await response.Content.ReadFromJsonAsync<RegisterAgentResponse>(ServerHarness.Json))!;
        return new SimulatedAgent(server.Client(bearer: null), registration);
    }

    /// <summary>Registers with a token already made (e.g. a shared-pool token).</summary>
    public static async Task<SimulatedAgent> RegisterWithTokenAsync(ServerHarness server, string enrollmentToken, string name = "sim", int slots = 4)
    {
        var response = await TryRegisterAsync(server, enrollmentToken, name, slots: slots);
        response.EnsureSuccessStatusCode();
        var registration = (await response.Content.ReadFromJsonAsync<RegisterAgentResponse>(ServerHarness.Json))!;
        return new SimulatedAgent(server.Client(bearer: null), registration);
    }

    /// <summary>An agent already registered (on any replica), talking to <paramref name="server"/> with its credential.</summary>
    public static SimulatedAgent ForCredential(ServerHarness server, RegisterAgentResponse registration) =>
        new(server.Client(bearer: null), registration);

    public static async Task<string> CreateEnrollmentTokenAsync(TestTenant tenant)
    {
        var response = await tenant.Client.PostAsJsonAsync("/api/v1/enrollment-tokens", new CreateEnrollmentTokenRequest("test"));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<CreatedEnrollmentTokenDto>(ServerHarness.Json))!.Secret;
    }

    public async Task<PollResponse> PollAsync(int freeSlots, IReadOnlyList<RunningJobReport>? running = null, int waitSeconds = 0)
    {
        var response = await _http.PostAsJsonAsync("/api/agent/v1/poll", new PollRequest(freeSlots, running ?? [], waitSeconds), ServerHarness.Json);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<PollResponse>(ServerHarness.Json))!;
    }

    public async Task<PollResponse> PollAsync(PollRequest request)
    {
        var response = await _http.PostAsJsonAsync("/api/agent/v1/poll", request, ServerHarness.Json);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<PollResponse>(ServerHarness.Json))!;
    }

    /// <summary>Polls until at least one job arrives or the time is up.</summary>
    public async Task<JobAssignment> ClaimOneAsync(TimeSpan? within = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < (within ?? TimeSpan.FromSeconds(15)))
        {
            var poll = await PollAsync(1, waitSeconds: 2);
            if (poll.Jobs.Count > 0) return poll.Jobs[0];
        }
        throw new TimeoutException("No job was assigned.");
    }

    public Task<HttpResponseMessage> StartAsync(string jobId, int attempt) =>
        _http.PostAsJsonAsync($"/api/agent/v1/jobs/{jobId}/start", new StartJobRequest(attempt), ServerHarness.Json);

    public Task<HttpResponseMessage> LogAsync(string jobId, int attempt, params string[] lines) =>
        _http.PostAsJsonAsync($"/api/agent/v1/jobs/{jobId}/logs", new AppendLogsRequest(attempt,
            [.. lines.Select((text, i) => new AgentLogLine(i + 1, DateTimeOffset.UnixEpoch.AddSeconds(i), "stdout", text))]), ServerHarness.Json);

    /// <summary>Lines numbered from <paramref name="firstLine"/>, as a real agent's later batches are.</summary>
    public Task<HttpResponseMessage> LogFromAsync(string jobId, int attempt, long firstLine, IReadOnlyList<string> lines) =>
        _http.PostAsJsonAsync($"/api/agent/v1/jobs/{jobId}/logs", new AppendLogsRequest(attempt,
            [.. lines.Select((text, i) => new AgentLogLine(firstLine + i, DateTimeOffset.UnixEpoch.AddSeconds(i), "stdout", text))]), ServerHarness.Json);

    /// <summary>Lines on the given streams (stream, text), numbered from 1.</summary>
    public Task<HttpResponseMessage> LogStreamsAsync(string jobId, int attempt, params (string Stream, string Text)[] lines) =>
        _http.PostAsJsonAsync($"/api/agent/v1/jobs/{jobId}/logs", new AppendLogsRequest(attempt,
            [.. lines.Select((line, i) => new AgentLogLine(i + 1, DateTimeOffset.UnixEpoch.AddSeconds(i), line.Stream, line.Text))]), ServerHarness.Json);

    public Task<HttpResponseMessage> CompleteAsync(string jobId, int attempt, string outcome, object? result = null, string? error = null, int? exitCode = null) =>
        _http.PostAsJsonAsync($"/api/agent/v1/jobs/{jobId}/complete", new CompleteJobRequest(attempt, outcome, exitCode,
            result is null ? null : System.Text.Json.JsonSerializer.SerializeToElement(result, ServerHarness.Json), error), ServerHarness.Json);

    public Task<HttpResponseMessage> CompleteAsync(string jobId, CompleteJobRequest request) =>
        _http.PostAsJsonAsync($"/api/agent/v1/jobs/{jobId}/complete", request, ServerHarness.Json);

    public Task<HttpResponseMessage> DownloadAsync(string sha256) => _http.GetAsync($"/api/agent/v1/packages/{sha256}");

    public void Dispose() => _http.Dispose();
}
