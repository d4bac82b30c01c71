using System.Net;
using System.Net.Http.Json;
using Baton.Core.Api;
using Baton.Server.Metrics;
using Baton.Server.Tests.Support;
using Baton.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Baton.Server.Tests.Metrics;

public sealed class MetricsEndpointTests : IAsyncLifetime
{
    private readonly ServerHarness _server = new();

    public async Task InitializeAsync() => await _server.StartAsync(o => o.Metrics.FleetMaxAge = TimeSpan.FromMilliseconds(50));

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<PrometheusText> ScrapeAsync()
    {
        using var anonymous = _server.Client(bearer: null);
        var response = await anonymous.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_job_is_followed_from_submission_to_its_end_in_the_business_http_database_and_agent_families()
    {
        using var tenant = await _server.CreateTenantAsync();
        var name = tenant.Tenant.Name;
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ShouldBeAsync(HttpStatusCode.Created);
        await tenant.Client.PostAsJsonAsync("/api/v1/queues", new CreateQueueRequest("reports")).ShouldBeAsync(HttpStatusCode.Created);
        await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello")).ShouldBeAsync(HttpStatusCode.Created);
        await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello")).ShouldBeAsync(HttpStatusCode.Created);
        await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello", Queue: "reports")).ShouldBeAsync(HttpStatusCode.Created);

        // The fleet figures may be up to FleetMaxAge old: wait for a read that saw all three.
        var before = await WaitForAsync(scrape => scrape.Sum("orchestrator_job_queue_depth", ("tenant", name)) == 3);
        Assert.Equal(2, before.Sum("orchestrator_job_queue_depth", ("tenant", name), ("queue", "default")));
        Assert.Equal(1, before.Sum("orchestrator_job_queue_depth", ("tenant", name), ("queue", "reports")));

        using var agent = await SimulatedAgent.RegisterAsync(_server, tenant, slots: 2);
        var job = await agent.ClaimOneAsync();
        (await agent.StartAsync(job.JobId, job.Attempt)).EnsureSuccessStatusCode();
        (await agent.CompleteAsync(job.JobId, job.Attempt, "succeeded", new { ok = true })).EnsureSuccessStatusCode();
        await agent.PollAsync(0);

        var after = await WaitForAsync(scrape => scrape.Sum("orchestrator_agent_heartbeats_total") >= 1
            && scrape.Sum("orchestrator_job_queue_depth", ("tenant", name)) == 2 && scrape.Sum("orchestrator_agent_slots", ("tenant", name)) == 2);
        Assert.Equal(2, after.Sum("orchestrator_job_queue_depth", ("tenant", name)));
        // A counter takes the tenant's label once a fleet read has seen the tenant active (before that it counts under
        // _other), so the per-replica counters are compared in total: this server runs no other tenant's jobs.
        Assert.Equal(3, after.Sum("orchestrator_jobs_submitted_total"));
        Assert.Equal(1, after.Sum("orchestrator_jobs_assigned_total", ("tenant", name)));
        Assert.Equal(1, after.Sum("orchestrator_jobs_started_total", ("tenant", name)));
        Assert.Equal(1, after.Sum("orchestrator_jobs_finished_total", ("tenant", name), ("state", "succeeded")));
        Assert.Equal(1, after.Sum("orchestrator_job_submit_to_assign_seconds_count"));
        Assert.Equal(1, after.Sum("orchestrator_job_assign_to_start_seconds_count"));
        Assert.Equal(1, after.Sum("orchestrator_job_run_seconds_count"));
        Assert.Equal(1, after.Sum("orchestrator_agents", ("tenant", name), ("group", "default"), ("state", "online")));
        Assert.Equal(2, after.Sum("orchestrator_agent_slots", ("tenant", name)));
        Assert.Equal(1, after.Sum("orchestrator_agent_jobs_run", ("agent", agent.Id)));

        // Route templates, never raw paths: a job id never appears in a label.
        Assert.Equal(3, after.Sum("orchestrator_http_requests_total", ("method", "POST"), ("route", "/api/v1/jobs"), ("status", "201")));
        Assert.Equal(1, after.Sum("orchestrator_http_requests_total", ("route", "/api/agent/v1/jobs/{jobId}/start"), ("status", "204")));
        Assert.DoesNotContain(after.Samples, s => s.Labels.Values.Any(v => v.Contains(job.JobId, StringComparison.Ordinal)));
        // Submissions are group-committed (with starts and completions: WriteManyAsync) and polls claim in batches
        // (ClaimManyAsync); each form is timed.
        Assert.True(after.Sum("orchestrator_db_operation_duration_seconds_count", ("operation", "Jobs.SubmitAsync"))
            + after.Sum("orchestrator_db_operation_duration_seconds_count", ("operation", "Jobs.SubmitManyAsync"))
            + after.Sum("orchestrator_db_operation_duration_seconds_count", ("operation", "Jobs.WriteManyAsync")) >= 1);
        Assert.True(after.Sum("orchestrator_db_operation_duration_seconds_count", ("operation", "Jobs.ClaimAsync"))
            + after.Sum("orchestrator_db_operation_duration_seconds_count", ("operation", "Jobs.ClaimManyAsync")) >= 1);
        Assert.True(after.Sum("orchestrator_db_pool_connections", ("state", "busy")) >= 0);
        Assert.True(after.Sum("orchestrator_db_write_gate_wait_seconds_count") >= 3);
        Assert.Equal(1, after.Sum("orchestrator_db_size_bytes", ("backend", "sqlite")) > 0 ? 1 : 0);

        // System families.
        Assert.True(after.Sum("orchestrator_process_cpu_seconds_total") > 0);
        Assert.True(after.Sum("orchestrator_process_resident_memory_bytes") > 0);
        Assert.True(after.Sum("orchestrator_process_open_fds") > 0);
        Assert.True(after.Sum("orchestrator_process_threads") > 0);
        Assert.True(after.Sum("orchestrator_host_memory_total_bytes") > 0);
        Assert.True(after.Sum("orchestrator_host_cpu_seconds_total", ("mode", "user")) > 0);
        Assert.True(after.Sum("orchestrator_host_disk_total_bytes") > 0);

        // Every family carries the prefix, and is declared with a type.
        Assert.All(after.Samples, s => Assert.StartsWith("orchestrator_", s.Name, StringComparison.Ordinal));
        Assert.Equal("gauge", after.Types["orchestrator_job_queue_depth"]);
        Assert.Equal("counter", after.Types["orchestrator_jobs_submitted_total"]);
        Assert.Equal("histogram", after.Types["orchestrator_http_request_duration_seconds"]);
    }

    [Fact]
    public async Task The_reader_sums_a_family_by_name_and_labels_as_a_scrape_would()
    {
        using var tenant = await _server.CreateTenantAsync();
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ShouldBeAsync(HttpStatusCode.Created);
        for (var i = 0; i < 4; i++) await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello")).ShouldBeAsync(HttpStatusCode.Created);
        var reader = _server.Server.Services.GetRequiredService<MetricReader>();

        var mine = new Dictionary<string, string> { ["tenant"] = tenant.Tenant.Name };
        for (var i = 0; i < 100 && await reader.ReadAsync("orchestrator_job_queue_depth", mine) != 4; i++) await Task.Delay(50);
        Assert.Equal(4, await reader.ReadAsync("orchestrator_job_queue_depth", mine));
        Assert.Equal(0, await reader.ReadAsync("orchestrator_job_queue_depth", new Dictionary<string, string> { ["tenant"] = "nobody" }));
        Assert.True(await reader.ReadAsync("orchestrator_job_queue_depth") >= 4);
        Assert.True(await reader.ReadAsync("orchestrator_http_request_duration_seconds_count") >= 4);
        Assert.True(await reader.ReadAsync("orchestrator_http_request_duration_seconds_sum") > 0);
        Assert.Null(await reader.ReadAsync("orchestrator_no_such_family"));
        var fleet = await _server.Server.Services.GetRequiredService<FleetSnapshotCache>().GetAsync(CancellationToken.None);
        Assert.Equal(4, fleet.PendingJobs(tenant.Tenant.Name));
        Assert.Equal(4, fleet.ReadyJobs(tenant.Tenant.Name, "default"));
    }

    [Fact]
    public async Task System_admins_read_the_same_figures_as_json_and_nobody_else_does()
    {
        using var tenant = await _server.CreateTenantAsync();
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ShouldBeAsync(HttpStatusCode.Created);
        await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello")).ShouldBeAsync(HttpStatusCode.Created);

        using var admin = _server.Client();
        var all = await admin.GetAsync("/api/v1/system/metrics").ReadAsync<SystemMetricsResponse>();
        var depth = Assert.Single(all.Families, f => f.Name == "orchestrator_job_queue_depth");
        Assert.Equal("gauge", depth.Type);
        Assert.Equal(1, depth.Series.Where(s => s.Labels["tenant"] == tenant.Tenant.Name).Sum(s => s.Value));
        var histogram = Assert.Single(all.Families, f => f.Name == "orchestrator_http_request_duration_seconds");
        Assert.All(histogram.Series, s => Assert.NotNull(s.Count));
        var some = await admin.GetAsync("/api/v1/system/metrics?prefix=orchestrator_job_").ReadAsync<SystemMetricsResponse>();
        Assert.All(some.Families, f => Assert.StartsWith("orchestrator_job_", f.Name, StringComparison.Ordinal));
        await admin.GetAsync("/api/v1/system/metrics?prefix=http_").ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);

        await tenant.Client.GetAsync("/api/v1/system/metrics").ShouldBeProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.Forbidden);
        using var anonymous = _server.Client(bearer: null);
        await anonymous.GetAsync("/api/v1/system/metrics").ShouldBeProblemAsync(HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized);
    }

    [Fact]
    public async Task Tenant_labels_are_bounded_the_most_active_keep_their_name_the_rest_are_summed_as_other()
    {
        await using var server = await new ServerHarness().StartAsync(o =>
        {
            o.Metrics.FleetMaxAge = TimeSpan.FromMilliseconds(50);
            o.Metrics.TenantLabelLimit = 2;
        });
        var tenants = new List<TestTenant>();
        for (var i = 0; i < 4; i++)
        {
            var tenant = await server.CreateTenantAsync();
            tenants.Add(tenant);
            await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ShouldBeAsync(HttpStatusCode.Created);
            // Tenant i has i + 1 pending jobs: the two busiest are tenants 3 and 2.
            for (var j = 0; j <= i; j++) await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello")).ShouldBeAsync(HttpStatusCode.Created);
        }
        using var anonymous = server.Client(bearer: null);
        var scrape = PrometheusText.Parse(await anonymous.GetStringAsync("/metrics"));
        for (var i = 0; i < 100 && scrape.Sum("orchestrator_job_queue_depth") != 10; i++)
        {
            await Task.Delay(100);
            scrape = PrometheusText.Parse(await anonymous.GetStringAsync("/metrics"));
        }

        var labelled = scrape.Find("orchestrator_job_queue_depth").Select(s => s.Labels["tenant"]).ToHashSet();
        Assert.Equal(new HashSet<string> { tenants[3].Tenant.Name, tenants[2].Tenant.Name, "_other" }, labelled);
        Assert.Equal(4, scrape.Sum("orchestrator_job_queue_depth", ("tenant", tenants[3].Tenant.Name)));
        Assert.Equal(3, scrape.Sum("orchestrator_job_queue_depth", ("tenant", tenants[2].Tenant.Name)));
        Assert.Equal(1 + 2, scrape.Sum("orchestrator_job_queue_depth", ("tenant", "_other"), ("queue", "_other")));
        Assert.Equal(2, scrape.Sum("orchestrator_tenants_labelled"));
        foreach (var tenant in tenants) tenant.Dispose();
    }

    [Fact]
    public async Task An_open_event_stream_is_counted_while_it_lasts()
    {
        using var tenant = await _server.CreateTenantAsync();
        using (var stream = await tenant.Client.GetAsync("/api/v1/events/stream", HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
            var open = await WaitForAsync(scrape => scrape.Sum("orchestrator_sse_streams_open", ("route", "/api/v1/events/stream")) == 1);
            Assert.Equal(1, open.Sum("orchestrator_sse_streams_open", ("route", "/api/v1/events/stream")));
        }
        var closed = await WaitForAsync(scrape => scrape.Sum("orchestrator_sse_streams_open") == 0);
        Assert.Equal(0, closed.Sum("orchestrator_sse_streams_open"));
    }

    [Fact]
    public async Task A_scrape_token_closes_metrics_to_scrapers_without_it()
    {
        await using var server = await new ServerHarness().StartAsync(o => o.Metrics.ScrapeToken = "scrape-secret");
        using var anonymous = server.Client(bearer: null);
        await anonymous.GetAsync("/metrics").ShouldBeProblemAsync(HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized);
        using var wrong = server.Client(bearer: "not-it");
        await wrong.GetAsync("/metrics").ShouldBeProblemAsync(HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized);
        using var scraper = server.Client(bearer: "scrape-secret");
        Assert.Contains("orchestrator_job_queue_depth", await scraper.GetStringAsync("/metrics"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_metrics_off_nothing_is_measured_and_nothing_is_served()
    {
        await using var server = await new ServerHarness().StartAsync(o => o.Metrics.Enabled = false);
        Assert.IsNotType<InstrumentedStore>(server.Server.Services.GetRequiredService<IBatonStore>());
        using var anonymous = server.Client(bearer: null);
        await anonymous.GetAsync("/metrics").ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
        using var admin = server.Client();
        await admin.GetAsync("/api/v1/system/metrics").ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
        // The fleet figures stay readable in process (the autoscaler needs them).
        Assert.NotNull(await server.Server.Services.GetRequiredService<MetricReader>().ReadAsync("orchestrator_job_queue_depth"));
    }

    private async Task<PrometheusText> WaitForAsync(Func<PrometheusText, bool> condition)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var scrape = await ScrapeAsync();
            if (condition(scrape) || clock.Elapsed > TimeSpan.FromSeconds(30)) return scrape;
            await Task.Delay(100);
        }
    }
}
