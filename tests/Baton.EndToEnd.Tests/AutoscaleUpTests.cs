using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Baton.EndToEnd.Tests.Support;
using Xunit.Abstractions;

namespace Baton.EndToEnd.Tests;

/// <summary>
/// <c>baton up --autoscale FILE</c> with real processes: one agent, 300 jobs of 2 s; the autoscaler starts agents up
/// to the policy's maximum within its cooldowns, the queue drains, the agents drain back to the minimum, and every
/// job ran exactly once (one attempt, succeeded: none lost, killed or run twice).
/// </summary>
public sealed class AutoscaleUpTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Jobs = 300;
    private const int MaxAgents = 4;
    private const string Key = "bk_e2e_autoscale_system_admin_0123456789";
    private static readonly TimeSpan UpCooldown = TimeSpan.FromSeconds(5);
    private readonly string _home = Path.Combine(Path.GetTempPath(), "baton-autoscale-" + Guid.NewGuid().ToString("N")[..10]);

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_home);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(_home, recursive: true);
        }
        catch (IOException)
        {
        }
        return Task.CompletedTask;
    }

    // Short cooldowns keep the run CI-sized; the rules are the seed's.
    private const string Policy = """
        name: e2e-agents
        target: worker/default
        provider: {type: local, slots: 3}
        evaluationInterval: 2s
        triggers:
          - type: QueueDepth
            metricName: orchestrator_job_queue_depth
            threshold: 5
            scaleUp: {incrementSize: 1, cooldownSeconds: 5}
            scaleDown: {threshold: 1, decrementSize: 1, cooldownSeconds: 8}
        limits:
          minReplicas: 1
          maxReplicas: 4
        anomaly:
          spikePersistence: 4s
        """;

    [Fact]
    public async Task Agents_grow_to_the_maximum_drain_back_to_the_minimum_and_every_job_runs_exactly_once()
    {
        var port = Cluster.FreePort().ToString(CultureInfo.InvariantCulture);
        var env = new Dictionary<string, string>
        {
            ["HOME"] = _home,
            ["XDG_CONFIG_HOME"] = Path.Combine(_home, ".config"),
            ["BATON_BOOTSTRAP_API_KEY"] = Key,
        };
        var policyFile = Path.Combine(_home, "policy.yaml");
        await File.WriteAllTextAsync(policyFile, Policy);

        await using var up = BatonProcess.Start(env, "up", "--port", port, "--data", Path.Combine(_home, "data"), "--autoscale", policyFile);
        await up.WaitForAsync(@"ready in", TimeSpan.FromSeconds(90));
        using var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);

        // One agent (the minimum) before any work.
        await WaitUntilAsync(async () => await ReplicasAsync(api) == 1 && AgentProcesses(up.Pid) == 1, TimeSpan.FromSeconds(90), "the first agent", up);
        var push = await CliRunner.RunAsync(env, "package", "push", Repo.Sample("sleep"));
        Assert.True(push.ExitCode == 0, push.ToString());

        var clock = Stopwatch.StartNew();
        var submitted = new List<string>();
        foreach (var chunk in Enumerable.Range(0, Jobs).Chunk(20))
        {
            var responses = await Task.WhenAll(chunk.Select(_ => api.PostAsJsonAsync("/api/v1/jobs", new { package = "sleep", inputs = new { seconds = 2 } })));
            foreach (var response in responses)
            {
                Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
                submitted.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);
            }
        }
        output.WriteLine($"submitted {Jobs} jobs in {clock.Elapsed.TotalSeconds:0.0} s");

        // Up to the maximum while the queue is deep.
        var peak = 0;
        await WaitUntilAsync(async () =>
        {
            peak = Math.Max(peak, AgentProcesses(up.Pid));
            return await ReplicasAsync(api) == MaxAgents;
        }, TimeSpan.FromMinutes(3), "scaling up to the maximum", up);
        output.WriteLine($"at {MaxAgents} agents after {clock.Elapsed.TotalSeconds:0.0} s");

        // The queue drains and every job ends.
        var jobs = new Dictionary<string, JsonElement>();
        await WaitUntilAsync(async () =>
        {
            jobs = await ListJobsAsync(api);
            peak = Math.Max(peak, AgentProcesses(up.Pid));
            return jobs.Count == Jobs && jobs.Values.All(j => j.GetProperty("state").GetString() is "succeeded" or "failed" or "cancelled" or "timed_out");
        }, TimeSpan.FromMinutes(6), "every job to end", up);
        output.WriteLine($"all {Jobs} jobs ended after {clock.Elapsed.TotalSeconds:0.0} s");

        // Back to the minimum, by draining.
        await WaitUntilAsync(async () => await ReplicasAsync(api) == 1 && AgentProcesses(up.Pid) == 1, TimeSpan.FromMinutes(3), "draining back to one agent", up);
        output.WriteLine($"back to 1 agent after {clock.Elapsed.TotalSeconds:0.0} s (peak {peak} agent processes)");

        // Exactly once: every submitted job succeeded on its first attempt.
        Assert.Equal(submitted.Order(), jobs.Keys.Order());
        var counts = jobs.Values.GroupBy(j => (j.GetProperty("state").GetString(), j.GetProperty("attempt").GetInt32())).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(new Dictionary<(string?, int), int> { [("succeeded", 1)] = Jobs }, counts);

        // The decisions: up one at a time to the maximum, never faster than the cooldown, then down one at a time.
        var decisions = (await api.GetFromJsonAsync<JsonElement>("/api/v1/system/autoscale/decisions?limit=100"))
            .GetProperty("items").EnumerateArray().Reverse()
            .Select(d => (At: d.GetProperty("at").GetDateTimeOffset(), From: d.GetProperty("from").GetInt32(), To: d.GetProperty("to").GetInt32(), Why: d.GetProperty("explanation").GetString()))
            .ToList();
        foreach (var d in decisions) output.WriteLine($"{d.At:HH:mm:ss} {d.From} → {d.To}: {d.Why}");
        Assert.Equal((0, 1), (decisions[0].From, decisions[0].To));
        var ups = decisions.Skip(1).Where(d => d.To > d.From).ToList();
        Assert.All(ups, d => Assert.Equal(d.From + 1, d.To));
        Assert.Equal(MaxAgents, ups.Max(d => d.To));
        Assert.All(ups.Zip(ups.Skip(1)), p => Assert.True(p.Second.At - p.First.At >= UpCooldown, $"scale-ups {p.First.At:HH:mm:ss.fff} and {p.Second.At:HH:mm:ss.fff} inside the cooldown"));
        Assert.All(decisions.Where(d => d.To < d.From), d => Assert.Equal(d.From - 1, d.To));
        Assert.Equal(1, decisions[^1].To);
        Assert.True(peak <= MaxAgents + 1, $"{peak} agent processes at once"); // a draining agent may overlap a new one
        Assert.Equal(MaxAgents - 1, up.Output.Split("Draining local agent").Length - 1);

        up.Terminate();
        Assert.Equal(0, await up.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(0, AgentProcesses(up.Pid));
    }

    private static async Task<int?> ReplicasAsync(HttpClient api)
    {
        var status = await api.GetFromJsonAsync<JsonElement>("/api/v1/system/autoscale/status");
        var target = status.GetProperty("targets").EnumerateArray().SingleOrDefault();
        return target.ValueKind == JsonValueKind.Object && target.GetProperty("replicas").ValueKind == JsonValueKind.Number ? target.GetProperty("replicas").GetInt32() : null;
    }

    private static async Task<Dictionary<string, JsonElement>> ListJobsAsync(HttpClient api)
    {
        var jobs = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        string? cursor = null;
        do
        {
            var page = await api.GetFromJsonAsync<JsonElement>("/api/v1/jobs?limit=500" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)));
            foreach (var job in page.GetProperty("items").EnumerateArray()) jobs[job.GetProperty("id").GetString()!] = job.Clone();
            cursor = page.TryGetProperty("nextCursor", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (cursor is not null);
        return jobs;
    }

    /// <summary>Live <c>baton agent</c> processes the local provider of <paramref name="upPid"/> started (they carry <c>--exit-with-parent PID</c>).</summary>
    private static int AgentProcesses(int upPid)
    {
        var marker = "--exit-with-parent\0" + upPid.ToString(CultureInfo.InvariantCulture) + "\0";
        var count = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || !NativeSignals.IsAlive(pid)) continue;
            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline"));
                if (cmdline.Contains("\0agent\0", StringComparison.Ordinal) && cmdline.Contains(marker, StringComparison.Ordinal)) count++;
            }
            catch (IOException)
            {
                // Gone meanwhile.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return count;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan within, string what, BatonProcess up)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (up.HasExited) Assert.Fail($"baton up exited while waiting for {what}:\n{up.Output}");
            if (clock.Elapsed > within) Assert.Fail($"timed out after {within} waiting for {what}:\n{Tail(up.Output)}");
            await Task.Delay(500);
        }
    }

    private static string Tail(string text) => text.Length <= 6000 ? text : text[^6000..];
}
