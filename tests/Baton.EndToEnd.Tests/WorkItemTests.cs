using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using Baton.Core.Api;
using Baton.EndToEnd.Tests.Support;

namespace Baton.EndToEnd.Tests;

/// <summary>
/// Work-item queues and child jobs with a real server, real agents and Python: 1,000 items consumed by 4 jobs, each done
/// exactly once and business failures never retried, also when an agent is killed with SIGKILL mid-item (its items come
/// back when their lease ends); a parent job starting three children and collecting their results; a queue's trigger
/// starting the consumers that drain it. Leases are 3 s here.
/// </summary>
public sealed class WorkItemTests : IAsyncLifetime
{
    private const int Items = 1_000;
    private readonly Cluster _cluster = new();

    public Task InitializeAsync()
    {
        _cluster.ServerEnv["BATON__SERVER__WORKITEMS__LEASE"] = "00:00:03";
        return _cluster.StartServerAsync(agentTtlSeconds: 3);
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_thousand_items_are_each_done_once_by_four_jobs_and_business_failures_are_not_retried(bool killAnAgent)
    {
        var doomed = await _cluster.StartAgentAsync("consumer-a", slots: 2);
        await _cluster.StartAgentAsync("consumer-b", slots: 2);
        await PushAsync("wi-consumer", """
            import baton
            import time


            def main(queue="invoices", delay=0.0):
                done = []
                business = 0
                for item in baton.workitems(queue):
                    n = item.payload["n"]
                    time.sleep(delay)
                    if n % 50 == 0:
                        item.fail("invoice %d has no customer" % n, business=True)
                        business += 1
                        continue
                    if n % 97 == 0 and item.attempt == 1:
                        item.fail("the ledger timed out on %d" % n)
                        continue
                    item.done({"n": n})
                    done.append(item.id)
                return {"done": done, "business": business}
            """, "queue:\n    type: string\n    required: false\n    default: invoices\n  delay:\n    type: number\n    required: false\n    default: 0");

        // The items come from the CLI, as an operator would add them.
        var file = Path.Combine(_cluster.Root, "items.jsonl");
        await File.WriteAllLinesAsync(file, Enumerable.Range(1, Items).Select(n => $$"""{"payload":{"n":{{n}}},"reference":"INV-{{n}}"}"""));
        var added = await CliRunner.RunAsync(_cluster.CliEnv(), "workitem", "add", "invoices", "--file", file);
        Assert.True(added.ExitCode == 0, added.ToString());
        var again = await CliRunner.RunAsync(_cluster.CliEnv(), "workitem", "add", "invoices", "--file", file);
        Assert.True(again.ExitCode != 0 && again.Stderr.Contains("already holds", StringComparison.Ordinal), again.ToString());

        using var api = _cluster.Api();
        var jobs = new List<string>();
        // With a kill, each item takes 0.1 s of work: a job then holds an item most of the time, so the kill below lands
        // on a held item (at 0.02 s a loaded machine's two round trips per item, done and next, could leave the job
        // between items at the kill, and nothing came back by its lease).
        for (var i = 0; i < 4; i++)
        {
            var response = await api.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("wi-consumer",
                Inputs: new() { ["delay"] = System.Text.Json.JsonSerializer.SerializeToElement(killAnAgent ? 0.1 : 0.0) }, MaxAttempts: 3), Cluster.Json);
            jobs.Add((await response.Content.ReadFromJsonAsync<JobDto>(Cluster.Json))!.Id);
        }

        if (killAnAgent)
        {
            // Mid-queue, with the doomed agent's jobs holding items: SIGKILL, then a fresh agent for the retried jobs. On a
            // loaded machine the other agent's jobs can pass 150 items before the doomed one's have claimed any (its
            // interpreter still starting), so the kill waits until one of the doomed agent's jobs holds an item.
            var doomedId = (await api.GetFromJsonAsync<ListResponse<AgentDto>>("/api/v1/agents", Cluster.Json))!.Items.Single(a => a.Name == "consumer-a").Id;
            await WaitForAsync(async () => (await QueueAsync(api)).Done >= 150, TimeSpan.FromSeconds(90), "150 items done");
            await WaitForAsync(async () =>
            {
                var holders = (await api.GetFromJsonAsync<ListResponse<WorkItemDto>>("/api/v1/workitem-queues/invoices/items?state=in_progress&limit=100", Cluster.Json))!
                    .Items.Select(i => i.JobId).ToHashSet();
                foreach (var id in holders.OfType<string>())
                {
                    if ((await api.GetFromJsonAsync<JobDto>($"/api/v1/jobs/{id}", Cluster.Json))!.AgentId == doomedId) return true;
                }
                return false;
            }, TimeSpan.FromSeconds(90), "an item held by a job of the doomed agent");
            doomed.KillHard();
            await doomed.WaitForExitAsync(TimeSpan.FromSeconds(10));
            await _cluster.StartAgentAsync("consumer-c", slots: 2);
        }

        var ended = new List<JobDto>();
        foreach (var id in jobs) ended.Add(await _cluster.WaitForJobAsync(id, j => j.State is "succeeded" or "failed" or "cancelled" or "timed_out", TimeSpan.FromSeconds(180)));
        Assert.All(ended, j => Assert.True(j.State == "succeeded", $"job {j.Id} {j.State}: {j.Error}"));

        var queue = await QueueAsync(api);
        Assert.Equal((980L, 20L, 20L, 0L, 0L), (queue.Done, queue.Failed, queue.BusinessFailures, queue.Pending, queue.InProgress));
        var items = await api.GetFromJsonAsync<ListResponse<WorkItemDto>>("/api/v1/workitem-queues/invoices/items?limit=1000", Cluster.Json);
        Assert.Equal(Items, items!.Items.Count);
        foreach (var item in items.Items)
        {
            var n = item.Payload.GetProperty("n").GetInt32();
            Assert.Equal(n % 50 == 0 ? "failed" : "done", item.State);
            if (n % 50 == 0) Assert.Equal("business", item.FailureKind);
            else Assert.Equal(n, item.Output!.Value.GetProperty("n").GetInt32());
        }

        // Done exactly once, business failures never retried: one end per item; an item tried more than once was a
        // flaky one (an application failure, retried) or one whose job was killed (its lease expired).
        var reportedDone = ended.SelectMany(j => j.Result!.Value.GetProperty("done").EnumerateArray().Select(e => e.GetString()!)).ToList();
        Assert.Equal(reportedDone.Count, reportedDone.Distinct().Count());
        if (!killAnAgent) Assert.Equal(980, reportedDone.Count);
        var expired = 0;
        foreach (var item in items.Items.Where(i => i.Attempts > 1))
        {
            var detail = (await api.GetFromJsonAsync<WorkItemDto>($"/api/v1/workitem-queues/invoices/items/{item.Id}", Cluster.Json))!;
            var steps = detail.History!.Select(h => h.Type).ToList();
            Assert.Equal(1, steps.Count(s => s is "done" or "failed"));
            var n = item.Payload.GetProperty("n").GetInt32();
            if (steps.Contains("lease_expired")) expired++;
            else Assert.True(n % 97 == 0 && steps.Contains("retry"), $"item {n} was tried {item.Attempts} times: {string.Join(", ", steps)}");
            Assert.DoesNotContain("retry", n % 50 == 0 ? steps : []);
        }
        Assert.Equal(10, items.Items.Count(i => i.Payload.GetProperty("n").GetInt32() % 97 == 0 && i.Attempts >= 2));
        if (killAnAgent) Assert.True(expired >= 1, "no item of the killed agent's jobs came back after its lease");
    }

    [Fact]
    public async Task A_parent_job_starts_three_children_and_collects_their_results()
    {
        await _cluster.StartAgentAsync("family", slots: 4);
        await PushAsync("wi-child", """
            def main(n=0):
                return {"square": n * n}
            """, "n:\n    type: integer\n    required: false\n    default: 0");
        await PushAsync("wi-parent", """
            import baton


            def main():
                handles = [baton.submit("wi-child", {"n": n}) for n in (1, 2, 3)]
                results = baton.wait_all(handles)
                baton.workitems.add("produced", {"children": [h.id for h in handles]}, reference="from-parent")
                return {"sum": sum(r["square"] for r in results), "children": [h.id for h in handles]}
            """, null);

        using var api = _cluster.Api();
        var submitted = await api.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("wi-parent"), Cluster.Json);
        var parent = (await submitted.Content.ReadFromJsonAsync<JobDto>(Cluster.Json))!;
        var done = await _cluster.WaitForJobAsync(parent.Id, j => j.State is "succeeded" or "failed", TimeSpan.FromSeconds(120));
        Assert.True(done.State == "succeeded", $"{done.Error}\n{await _cluster.LogsAsync(parent.Id)}");
        Assert.Equal(14, done.Result!.Value.GetProperty("sum").GetInt32());
        var children = done.Result.Value.GetProperty("children").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Equal(3, children.Distinct().Count());
        foreach (var child in children)
        {
            var job = (await api.GetFromJsonAsync<JobDto>($"/api/v1/jobs/{child}", Cluster.Json))!;
            Assert.Equal(("wi-child", "succeeded"), (job.Package, job.State));
        }
        var produced = await api.GetFromJsonAsync<ListResponse<WorkItemDto>>("/api/v1/workitem-queues/produced/items", Cluster.Json);
        var item = Assert.Single(produced!.Items);
        Assert.Equal(("from-parent", parent.Id), (item.Reference, item.AddedByJob));
    }

    [Fact]
    public async Task Items_added_to_a_queue_with_a_trigger_start_consumer_jobs_that_drain_it()
    {
        await _cluster.StartAgentAsync("drainer", slots: 2);
        await PushAsync("wi-drain", """
            import baton


            def main():
                done = []
                for item in baton.workitems("inbox"):
                    item.done({"twice": item.payload["n"] * 2})
                    done.append(item.id)
                return {"done": done}
            """, null);
        var set = await CliRunner.RunAsync(_cluster.CliEnv(), "workitem", "trigger", "set", "inbox", "--package", "wi-drain", "--max-jobs", "2", "--min-items", "5");
        Assert.True(set.ExitCode == 0, set.ToString());

        // Nobody submits a job: adding the items is what starts the consumers.
        var file = Path.Combine(_cluster.Root, "inbox.jsonl");
        await File.WriteAllLinesAsync(file, Enumerable.Range(1, 30).Select(n => $$$"""{"payload":{"n":{{{n}}}}}"""));
        var added = await CliRunner.RunAsync(_cluster.CliEnv(), "workitem", "add", "inbox", "--file", file);
        Assert.True(added.ExitCode == 0, added.ToString());

        using var api = _cluster.Api();
        await WaitForAsync(async () => (await api.GetFromJsonAsync<WorkItemQueueDto>("/api/v1/workitem-queues/inbox", Cluster.Json))!.Done == 30,
            TimeSpan.FromSeconds(120), "30 items done by the trigger's jobs");
        List<JobDto> jobs = [];
        await WaitForAsync(async () =>
        {
            jobs = [.. (await api.GetFromJsonAsync<ListResponse<JobDto>>("/api/v1/jobs?package=wi-drain", Cluster.Json))!.Items];
            return jobs.All(j => j.State is "succeeded" or "failed" or "cancelled" or "timed_out");
        }, TimeSpan.FromSeconds(60), "the trigger's jobs ended");
        Assert.InRange(jobs.Count, 1, 4);
        Assert.All(jobs, j => Assert.True(j.State == "succeeded", $"job {j.Id} {j.State}: {j.Error}"));
        var done = jobs.SelectMany(j => j.Result!.Value.GetProperty("done").EnumerateArray().Select(e => e.GetString()!)).ToList();
        Assert.Equal(30, done.Count);
        Assert.Equal(30, done.Distinct().Count());

        var show = await CliRunner.RunAsync(_cluster.CliEnv(), "workitem", "trigger", "show", "inbox", "--json");
        Assert.True(show.ExitCode == 0, show.ToString());
        var trigger = System.Text.Json.JsonSerializer.Deserialize<WorkItemTriggerDto>(show.Stdout, Cluster.Json)!;
        Assert.Equal(("wi-drain", 2, 5), (trigger.Package, trigger.MaxJobs, trigger.MinItems));
        Assert.Empty(trigger.ActiveJobs);
        Assert.NotNull(trigger.LastStartedAt);
    }

    private async Task<WorkItemQueueDto> QueueAsync(HttpClient api) =>
        (await api.GetFromJsonAsync<WorkItemQueueDto>("/api/v1/workitem-queues/invoices", Cluster.Json))!;

    private async Task PushAsync(string name, string code, string? parameters)
    {
        var folder = Path.Combine(_cluster.Root, "packages", name);
        Directory.CreateDirectory(folder);
        var manifest = new StringBuilder($"name: {name}\nversion: 1.0.0\nentrypoint: main:main\ntimeout: 5m\nmax_attempts: 3\n");
        if (parameters is not null) manifest.Append("parameters:\n  ").Append(parameters).Append('\n');
        await File.WriteAllTextAsync(Path.Combine(folder, "baton.yaml"), manifest.ToString());
        await File.WriteAllTextAsync(Path.Combine(folder, "main.py"), code);
        var push = await CliRunner.RunAsync(_cluster.CliEnv(), "package", "push", folder);
        Assert.True(push.ExitCode == 0, push.ToString());
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan within, string what)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < within)
        {
            if (await condition()) return;
            await Task.Delay(100);
        }
        throw new TimeoutException($"Not reached within {within}: {what}.");
    }
}
