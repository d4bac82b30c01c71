using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Baton.Bench.Hosting;
using Baton.Core.AgentProtocol;

namespace Baton.Bench.Agents;

/// <summary>
/// A simulated agent with a package cache, for the deploy scenario: it long-polls reporting its cached
/// SHA-256s and the downloads in flight, and fetches each version a poll offers for prefetch in the
/// background over the real protocol (<c>GET packages/{sha256}</c>), hashing the bytes and refusing a
/// mismatch as the real agent does. Its cache is the set of verified SHA-256s (nothing is extracted).
/// </summary>
public sealed class CachingAgent
{
    private static readonly AgentCapabilities Capabilities = new(
        "linux", "x64", [new PythonInterpreterInfo("3.12.0", "/usr/bin/python3")], new Dictionary<string, string>());

    private readonly HttpClient _http;
    private readonly AuthenticationHeaderValue _auth;
    private readonly ConcurrentDictionary<string, bool> _cached = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task> _fetching = new(StringComparer.Ordinal);

    private CachingAgent(HttpClient http, string credential) =>
        (_http, _auth) = (http, new AuthenticationHeaderValue("Bearer", credential));

    /// <summary>Raised once per package this agent has downloaded and verified: (SHA-256, download milliseconds).</summary>
    public event Action<string, double>? Cached;

    public int Errors { get; private set; }

    public static async Task<CachingAgent> RegisterAsync(HttpClient http, string enrollmentToken, string name, CancellationToken cancellationToken)
    {
        var response = await http.PostAsJsonAsync("/api/agent/v1/register", new RegisterAgentRequest(
            enrollmentToken, name, Capabilities, 1, new AgentResources(4, 8192, 100_000), "bench"), BenchHttp.Json, cancellationToken);
        var registration = await BenchTenant.ReadAsync<RegisterAgentResponse>(response, $"register agent {name}", cancellationToken);
        return new CachingAgent(http, registration.Credential);
    }

    public bool Has(string sha256) => _cached.ContainsKey(sha256);

    /// <summary>Long-polls (never taking jobs: no free slots are offered) and prefetches until cancelled.</summary>
    public async Task RunAsync(int waitSeconds, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var poll = await PollAsync(waitSeconds, cancellationToken);
                foreach (var package in poll.Prefetch ?? [])
                {
                    if (_cached.ContainsKey(package.Sha256)) continue;
                    _ = _fetching.GetOrAdd(package.Sha256, sha => Task.Run(() => FetchAsync(sha, cancellationToken), CancellationToken.None));
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or InvalidOperationException)
            {
                Errors++;
                await Task.Delay(100, CancellationToken.None);
            }
        }
    }

    private async Task<PollResponse> PollAsync(int waitSeconds, CancellationToken cancellationToken)
    {
        // freeSlots 1 so the poll waits on the tenant's wake-ups; the tenant has no pending jobs in this scenario.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/agent/v1/poll")
        {
            Content = JsonContent.Create(new PollRequest(1, [], waitSeconds, null, null, [.. _cached.Keys], [.. _fetching.Keys]), options: BenchHttp.Json),
        };
        request.Headers.Authorization = _auth;
        using var response = await _http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<PollResponse>(BenchHttp.Json, cancellationToken))!;
    }

    private async Task FetchAsync(string sha256, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/agent/v1/packages/{sha256}");
            request.Headers.Authorization = _auth;
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            response.EnsureSuccessStatusCode();
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(body, cancellationToken));
            if (actual != sha256) throw new InvalidOperationException($"package {sha256} arrived as {actual}");
            _cached[sha256] = true;
            Cached?.Invoke(sha256, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or IOException)
        {
            Errors++;
        }
        finally
        {
            _fetching.TryRemove(sha256, out _);
        }
    }
}
