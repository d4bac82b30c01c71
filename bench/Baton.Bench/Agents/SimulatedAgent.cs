using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Baton.Bench.Hosting;
using Baton.Core.AgentProtocol;

namespace Baton.Bench.Agents;

/// <summary>
/// An agent that speaks the real agent protocol over HTTP but runs nothing: a job it receives is started
/// and then completed at once (<see cref="AgentBehaviour.Complete"/>) or kept running
/// (<see cref="AgentBehaviour.Hold"/>). Like the real agent it has one poll in flight and lists every job
/// it holds in each poll. It costs a task, never a thread.
/// </summary>
public sealed class SimulatedAgent
{
    private static readonly AgentCapabilities Capabilities = new(
        "linux", "x64", [new PythonInterpreterInfo("3.12.0", "/usr/bin/python3")], new Dictionary<string, string>());

    private readonly HttpClient _http;
    private readonly AuthenticationHeaderValue _auth;
    private readonly List<RunningJobReport> _held = [];

    private SimulatedAgent(HttpClient http, string agentId, string credential, int slots)
    {
        _http = http;
        Id = agentId;
        Slots = slots;
        _auth = new AuthenticationHeaderValue("Bearer", credential);
    }

    public string Id { get; }

    public int Slots { get; }

    public IReadOnlyList<RunningJobReport> Held => _held;

    public static async Task<SimulatedAgent> RegisterAsync(HttpClient http, string enrollmentToken, string name, int slots, CancellationToken cancellationToken)
    {
        var response = await http.PostAsJsonAsync("/api/agent/v1/register", new RegisterAgentRequest(
            enrollmentToken, name, Capabilities, slots, new AgentResources(4, 8192, 100_000), "bench"), BenchHttp.Json, cancellationToken);
        var registration = await BenchTenant.ReadAsync<RegisterAgentResponse>(response, $"register agent {name}", cancellationToken);
        return new SimulatedAgent(http, registration.AgentId, registration.Credential, slots);
    }

    /// <summary>Registers <paramref name="count"/> agents, a bounded number at a time.</summary>
    public static async Task<IReadOnlyList<SimulatedAgent>> RegisterFleetAsync(
        HttpClient http, string enrollmentToken, int count, int slots, CancellationToken cancellationToken)
    {
        var agents = new SimulatedAgent[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (i, ct) => agents[i] = await RegisterAsync(http, enrollmentToken, $"bench-{i:00000}", slots, ct));
        return agents;
    }

    public async Task<PollResponse> PollAsync(int freeSlots, int waitSeconds, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/agent/v1/poll")
        {
            Content = JsonContent.Create(new PollRequest(freeSlots, [.. _held], waitSeconds), options: BenchHttp.Json),
        };
        request.Headers.Authorization = _auth;
        using var response = await _http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<PollResponse>(BenchHttp.Json, cancellationToken))!;
    }

    /// <summary>Polls, handles what arrives, and polls again until cancelled.</summary>
    public async Task RunAsync(AgentBehaviour behaviour, FleetProbe probe, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var free = Slots - _held.Count;
            try
            {
                var started = Stopwatch.GetTimestamp();
                var wait = free > 0 ? behaviour.PollWaitSeconds : 0;
                var poll = await PollAsync(free, wait, cancellationToken);
                // Only polls that do not wait measure the server; a long-poll's time is mostly the wait.
                if (wait == 0) probe.Polls.RecordSince(started);
                foreach (var job in poll.Jobs) probe.Received(job.JobId);
                if (poll.Abandon.Count > 0 || poll.Cancel.Count > 0) Drop(poll.Abandon.Concat(poll.Cancel), probe);
                if (poll.Jobs.Count > 0) await Task.WhenAll(poll.Jobs.Select(job => HandleAsync(job, behaviour, probe, cancellationToken)));
                if (Slots - _held.Count == 0) await Task.Delay(behaviour.HeartbeatInterval, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or InvalidOperationException)
            {
                probe.OnError();
                await Task.Delay(100, CancellationToken.None);
            }
        }
    }

    private async Task HandleAsync(JobAssignment job, AgentBehaviour behaviour, FleetProbe probe, CancellationToken cancellationToken)
    {
        for (JobAssignment? current = job; current is not null;)
        {
            var received = Stopwatch.GetTimestamp();
            if (!await SendAsync($"/api/agent/v1/jobs/{current.JobId}/start", new StartJobRequest(current.Attempt), cancellationToken))
            {
                probe.OnError();
                return;
            }
            probe.AssignToStart.RecordSince(received);
            probe.OnStarted();
            if (behaviour.Mode == AgentBehaviour.HoldMode)
            {
                lock (_held) _held.Add(new RunningJobReport(current.JobId, current.Attempt));
                probe.OnHeld(1);
                return;
            }
            // As the real agent does: the completion carries a claim for the slot it frees (complete-and-claim), and the
            // job it is given runs in the same slot; the loop polls again only when a claim comes back empty.
            var next = await CompleteAndClaimAsync(current.JobId, current.Attempt, behaviour, probe, cancellationToken);
            current = next.Count > 0 ? next[0] : null;
            if (current is not null) probe.Received(current.JobId);
        }
    }

    private async Task<IReadOnlyList<JobAssignment>> CompleteAndClaimAsync(
        string jobId, int attempt, AgentBehaviour behaviour, FleetProbe probe, CancellationToken cancellationToken)
    {
        var (logs, result) = behaviour.LogLines > 0 ? Output(jobId, behaviour) : (null, (JsonElement?)null);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/agent/v1/jobs/{jobId}/complete")
        {
            Content = JsonContent.Create(new CompleteJobRequest(attempt, "succeeded", 0, result, null, logs, Claim: new CompletionClaim(1)), options: BenchHttp.Json),
        };
        request.Headers.Authorization = _auth;
        try
        {
            using var response = await _http.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                probe.OnError();
                return [];
            }
            probe.OnCompleted();
            var answer = await response.Content.ReadFromJsonAsync<CompleteJobResponse>(BenchHttp.Json, cancellationToken);
            return answer?.Jobs ?? [];
        }
        catch (HttpRequestException)
        {
            probe.OnError();
            return [];
        }
    }

    /// <summary>What a small automation leaves behind: numbered log lines of about the given length, and a short result.</summary>
    private static (IReadOnlyList<AgentLogLine>? Logs, JsonElement? Result) Output(string jobId, AgentBehaviour behaviour)
    {
        var now = TimeProvider.System.GetUtcNow();
        var lines = new AgentLogLine[behaviour.LogLines];
        for (var i = 0; i < lines.Length; i++)
        {
            var text = $"{now:O} INFO job {jobId} step {i + 1} of {lines.Length}: processed record batch, ok ";
            lines[i] = new AgentLogLine(i + 1, now, "stdout", text.Length >= behaviour.LogLineBytes ? text[..behaviour.LogLineBytes] : text.PadRight(behaviour.LogLineBytes, '.'));
        }
        return (lines, JsonSerializer.SerializeToElement(new { ok = true, records = behaviour.LogLines, job = jobId }));
    }

    /// <summary>Completes every held job (succeeded), so a remote server is left clean.</summary>
    public async Task ReleaseHeldAsync(FleetProbe probe, CancellationToken cancellationToken)
    {
        var held = _held.ToList();
        _held.Clear();
        probe.OnHeld(-held.Count);
        foreach (var job in held) await CompleteAsync(job.JobId, job.Attempt, probe, cancellationToken);
    }

    private async Task CompleteAsync(string jobId, int attempt, FleetProbe probe, CancellationToken cancellationToken)
    {
        if (await SendAsync($"/api/agent/v1/jobs/{jobId}/complete", new CompleteJobRequest(attempt, "succeeded", 0, null, null), cancellationToken))
            probe.OnCompleted();
        else
            probe.OnError();
    }

    private void Drop(IEnumerable<JobRef> jobs, FleetProbe probe)
    {
        foreach (var job in jobs)
        {
            if (_held.RemoveAll(h => h.JobId == job.JobId && h.Attempt == job.Attempt) > 0) probe.OnHeld(-1);
        }
    }

    private async Task<bool> SendAsync<T>(string path, T body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, options: BenchHttp.Json) };
        request.Headers.Authorization = _auth;
        try
        {
            using var response = await _http.SendAsync(request, cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }
}
