using System.Net;
using System.Net.Http.Json;
using Baton.Core.Api;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests;

/// <summary>
/// The log API as the dashboard's job page reads it: a long log in one page, and a follow stream that a browser's
/// reconnect (Last-Event-ID) resumes without repeating lines.
/// </summary>
public sealed class JobLogPageTests : IAsyncLifetime
{
    private readonly ServerHarness _server = new();

    public async Task InitializeAsync() => await _server.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_ten_thousand_line_log_comes_in_one_page_and_a_larger_page_is_refused()
    {
        var (tenant, agent, job) = await RunningJobAsync();
        using (tenant)
        using (agent)
        {
            for (var first = 1; first <= 10_000; first += 2_000)
            {
                var batch = Enumerable.Range(first, 2_000).Select(i => $"line {i}").ToList();
                await agent.LogFromAsync(job.Id, 1, first, batch).ShouldBeAsync(HttpStatusCode.OK);
            }

            var page = await tenant.Client.GetAsync($"/api/v1/jobs/{job.Id}/logs?after=0&limit=10000").ReadAsync<LogPageDto>();
            Assert.Equal(10_000, page.Items.Count);
            Assert.Equal("line 10000", page.Items[^1].Text);
            Assert.Equal(page.Items[^1].Seq, page.NextSeq);
            // Without a limit the page stays at 1,000 lines, as before.
            Assert.Equal(1_000, (await tenant.Client.GetAsync($"/api/v1/jobs/{job.Id}/logs").ReadAsync<LogPageDto>()).Items.Count);
            var problem = await tenant.Client.GetAsync($"/api/v1/jobs/{job.Id}/logs?limit=10001").ShouldBeProblemAsync(HttpStatusCode.BadRequest);
            Assert.Equal("limit", problem.GetProperty("field").GetString());
        }
    }

    [Fact]
    public async Task The_compact_page_holds_the_same_lines_with_the_streams_of_those_not_on_stdout()
    {
        var (tenant, agent, job) = await RunningJobAsync();
        using (tenant)
        using (agent)
        {
            await agent.LogStreamsAsync(job.Id, 1, ("stdout", "one"), ("stderr", "two <b>"), ("stdout", "\u001b[31mthree\u001b[0m"),
                ("system", "four"), ("stderr", "five")).ShouldBeAsync(HttpStatusCode.OK);

            var full = await tenant.Client.GetAsync($"/api/v1/jobs/{job.Id}/logs").ReadAsync<LogPageDto>();
            var compact = await tenant.Client.GetAsync($"/api/v1/jobs/{job.Id}/logs/compact").ReadAsync<CompactLogPageDto>();
            Assert.Equal(full.Items.Select(line => line.Text), compact.Lines);
            Assert.Equal(["stderr", "system"], compact.Streams.Keys.Order(StringComparer.Ordinal));
            Assert.Equal([1, 4], compact.Streams["stderr"]);
            Assert.Equal([3], compact.Streams["system"]);
            Assert.Equal(full.NextSeq, compact.NextSeq);
            Assert.False(compact.JobEnded);
            Assert.False(compact.More);

            // Paging as the full form: after a line and a limit; the ended job says so.
            await agent.CompleteAsync(job.Id, 1, "succeeded", new { }).ShouldBeAsync(HttpStatusCode.OK);
            var rest = await tenant.Client.GetAsync($"/api/v1/jobs/{job.Id}/logs/compact?after={full.Items[2].Seq}&limit=1").ReadAsync<CompactLogPageDto>();
            Assert.Equal(["four"], rest.Lines);
            Assert.Equal([0], rest.Streams["system"]);
            Assert.Equal(full.Items[3].Seq, rest.NextSeq);
            Assert.True(rest.JobEnded);
            Assert.True(rest.More);
            var last = await tenant.Client.GetAsync($"/api/v1/jobs/{job.Id}/logs/compact?after={full.Items[3].Seq}&limit=1").ReadAsync<CompactLogPageDto>();
            Assert.Equal(["five"], last.Lines);
            Assert.False(last.More);
            var problem = await tenant.Client.GetAsync($"/api/v1/jobs/{job.Id}/logs/compact?limit=0").ShouldBeProblemAsync(HttpStatusCode.BadRequest);
            Assert.Equal("limit", problem.GetProperty("field").GetString());
            await tenant.Client.GetAsync("/api/v1/jobs/j_unknown/logs/compact").ShouldBeProblemAsync(HttpStatusCode.NotFound);
        }
    }

    [Fact]
    public async Task A_reconnecting_stream_resumes_after_its_last_event_id()
    {
        var (tenant, agent, job) = await RunningJobAsync();
        using (tenant)
        using (agent)
        {
            await agent.LogAsync(job.Id, 1, "one", "two", "three").ShouldBeAsync(HttpStatusCode.OK);
            var page = await tenant.Client.GetAsync($"/api/v1/jobs/{job.Id}/logs").ReadAsync<LogPageDto>();
            var secondSeq = page.Items[1].Seq;
            await agent.CompleteAsync(job.Id, 1, "succeeded", new { }).ShouldBeAsync(HttpStatusCode.OK);

            // The URL still says after=0 (as the browser's reconnect repeats it); the header names the last line it had.
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/jobs/{job.Id}/logs?follow=true&after=0");
            request.Headers.Add("Last-Event-ID", secondSeq.ToString(System.Globalization.CultureInfo.InvariantCulture));
            using var response = await tenant.Client.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain("\"one\"", body, StringComparison.Ordinal);
            Assert.DoesNotContain("\"two\"", body, StringComparison.Ordinal);
            Assert.Contains("\"three\"", body, StringComparison.Ordinal);
            Assert.Contains("event: end", body, StringComparison.Ordinal);

            // An after beyond the Last-Event-ID wins (the page asked for later lines itself).
            using var later = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/jobs/{job.Id}/logs?follow=true&after={page.Items[2].Seq}");
            later.Headers.Add("Last-Event-ID", "0");
            var rest = await (await tenant.Client.SendAsync(later)).Content.ReadAsStringAsync();
            Assert.DoesNotContain("event: log", rest, StringComparison.Ordinal);
            Assert.Contains("event: end", rest, StringComparison.Ordinal);
        }
    }

    private async Task<(TestTenant Tenant, SimulatedAgent Agent, JobDto Job)> RunningJobAsync()
    {
        var tenant = await _server.CreateTenantAsync();
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ShouldBeAsync(HttpStatusCode.Created);
        var agent = await SimulatedAgent.RegisterAsync(_server, tenant);
        var job = await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello")).ReadAsync<JobDto>(HttpStatusCode.Created);
        var assignment = await agent.ClaimOneAsync();
        await agent.StartAsync(job.Id, assignment.Attempt).ShouldBeAsync(HttpStatusCode.NoContent);
        return (tenant, agent, job);
    }
}
