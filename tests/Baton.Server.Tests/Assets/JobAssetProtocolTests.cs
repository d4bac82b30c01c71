using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Baton.Core.AgentProtocol;
using Baton.Core.Api;
using Baton.Server.Tests.Support;
using Baton.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Baton.Server.Tests.Assets;

/// <summary>
/// What a running job reads and keeps over the agent protocol: an asset (credential secret in clear) only for the agent
/// holding its running attempt and only within the asset's scope; its checkpoint across attempts; heartbeats.
/// </summary>
public sealed class JobAssetProtocolTests : IAsyncLifetime
{
    private readonly ServerHarness _server = new();

    public async Task InitializeAsync() => await _server.StartAsync(o => o.RetryBaseDelay = TimeSpan.FromMilliseconds(100));

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<TestTenant> TenantWithPackageAsync()
    {
        var tenant = await _server.CreateTenantAsync();
        var zip = TestPackages.Zip(new Dictionary<string, string>
        {
            ["baton.yaml"] = TestPackages.Manifest(extra: "max_attempts: 2\n"),
            ["main.py"] = "def run():\n    return 1\n",
        });
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(zip)).ShouldBeAsync(HttpStatusCode.Created);
        return tenant;
    }

    private static async Task<JobAssignment> RunningJobAsync(TestTenant tenant, SimulatedAgent agent, string? queue = null)
    {
        await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello", Queue: queue)).ShouldBeAsync(HttpStatusCode.Created);
        var assignment = await agent.ClaimOneAsync();
        await agent.StartAsync(assignment.JobId, assignment.Attempt).ShouldBeAsync(HttpStatusCode.NoContent);
        return assignment;
    }

    private static Task<HttpResponseMessage> AssetAsync(SimulatedAgent agent, JobAssignment job, string name, int? attempt = null) =>
        agent.Http.GetAsync($"/api/agent/v1/jobs/{job.JobId}/assets/{name}?attempt={attempt ?? job.Attempt}");

    [Fact]
    public async Task A_running_job_reads_its_groups_credential_in_clear_and_nothing_outside_its_scope()
    {
        using var tenant = await TenantWithPackageAsync();
        var secret = "pw-" + Guid.NewGuid().ToString("N");
        var gpuSecret = "gpu-" + Guid.NewGuid().ToString("N");
        await tenant.Client.PutAsJsonAsync("/api/v1/assets/db", new { type = "credential", username = "svc", secret }).ShouldBeAsync(HttpStatusCode.Created);
        await tenant.Client.PutAsJsonAsync("/api/v1/assets/db/overrides/gpu", new { username = "gpu-svc", secret = gpuSecret }).ShouldBeAsync(HttpStatusCode.OK);
        await tenant.Client.PutAsJsonAsync("/api/v1/assets/limit", new { type = "number", value = 5 }).ShouldBeAsync(HttpStatusCode.Created);
        await tenant.Client.PutAsJsonAsync("/api/v1/assets/nightly-only", new { type = "text", value = "n", queue = "nightly" }).ShouldBeAsync(HttpStatusCode.Created);
        using var plain = await SimulatedAgent.RegisterAsync(_server, tenant, "plain");
        var job = await RunningJobAsync(tenant, plain);

        var db = await AssetAsync(plain, job, "db").ReadAsync<JobAssetResponse>();
        Assert.Equal(("credential", "svc", secret, (JsonElement?)null), (db.Type, db.Username, db.Secret, db.Value));
        var limit = await AssetAsync(plain, job, "limit").ReadAsync<JobAssetResponse>();
        Assert.Equal(("5", (string?)null), (limit.Value!.Value.GetRawText(), limit.Secret));
        var hidden = await AssetAsync(plain, job, "nightly-only").ShouldBeProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal("name", hidden.GetProperty("field").GetString());
        await AssetAsync(plain, job, "missing").ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await AssetAsync(plain, job, "db", attempt: 2).ShouldBeProblemAsync(HttpStatusCode.Conflict, ProblemTypes.StaleAttempt);
        await plain.CompleteAsync(job.JobId, job.Attempt, "succeeded", exitCode: 0).ShouldBeAsync(HttpStatusCode.OK);
        await AssetAsync(plain, job, "db").ShouldBeProblemAsync(HttpStatusCode.Conflict, ProblemTypes.StaleAttempt);

        // An agent of the group 'gpu' gets the group's value.
        using var gpu = await SimulatedAgent.RegisterAsync(_server, tenant, "gpu", SimulatedAgent.LinuxWithPython() with { Group = "gpu" });
        plain.Dispose();
        var gpuJob = await RunningJobAsync(tenant, gpu);
        var gpuDb = await AssetAsync(gpu, gpuJob, "db").ReadAsync<JobAssetResponse>();
        Assert.Equal(("gpu-svc", gpuSecret), (gpuDb.Username, gpuDb.Secret));
        // Another agent of the same tenant that does not hold the job: stale, not the secret.
        using var bystander = await SimulatedAgent.RegisterAsync(_server, tenant, "bystander");
        await AssetAsync(bystander, gpuJob, "db").ShouldBeProblemAsync(HttpStatusCode.Conflict, ProblemTypes.StaleAttempt);

        // Another tenant's agent: not found, whatever it names.
        using var other = await _server.CreateTenantAsync();
        using var otherAgent = await SimulatedAgent.RegisterAsync(_server, other, "other");
        var refused = await AssetAsync(otherAgent, gpuJob, "db").ShouldBeProblemAsync(HttpStatusCode.NotFound);
        Assert.DoesNotContain(gpuSecret, refused.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_checkpoint_saved_by_a_failed_attempt_is_read_by_the_retry_and_stale_attempts_cannot_write()
    {
        using var tenant = await TenantWithPackageAsync();
        using var agent = await SimulatedAgent.RegisterAsync(_server, tenant);
        var first = await RunningJobAsync(tenant, agent);
        var checkpointPath = $"/api/agent/v1/jobs/{first.JobId}/checkpoint";

        var none = await agent.Http.GetAsync(checkpointPath + "?attempt=1").ReadAsync<JobCheckpointResponse>();
        Assert.Null(none.State);
        Assert.Null(none.SavedByAttempt);
        await agent.Http.PutAsJsonAsync(checkpointPath, new SaveCheckpointRequest(1, JsonSerializer.SerializeToElement(new { page = 7 })), ServerHarness.Json)
            .ShouldBeAsync(HttpStatusCode.NoContent);
        await agent.Http.PutAsJsonAsync(checkpointPath, new SaveCheckpointRequest(2, JsonSerializer.SerializeToElement(new { page = 9 })), ServerHarness.Json)
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, ProblemTypes.StaleAttempt);
        var tooBig = JsonSerializer.SerializeToElement(new { blob = new string('x', 300 * 1024) });
        await agent.Http.PutAsJsonAsync(checkpointPath, new SaveCheckpointRequest(1, tooBig), ServerHarness.Json).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        await agent.Http.PutAsync(checkpointPath, JsonContent.Create(new { attempt = 1 })).ShouldBeProblemAsync(HttpStatusCode.BadRequest);

        await agent.CompleteAsync(first.JobId, 1, "failed", error: "boom", exitCode: 1).ShouldBeAsync(HttpStatusCode.OK);
        var retry = await agent.ClaimOneAsync(TimeSpan.FromSeconds(20));
        Assert.Equal((first.JobId, 2), (retry.JobId, retry.Attempt));
        await agent.StartAsync(retry.JobId, 2).ShouldBeAsync(HttpStatusCode.NoContent);
        var resumed = await agent.Http.GetAsync(checkpointPath + "?attempt=2").ReadAsync<JobCheckpointResponse>();
        Assert.Equal((7, 1), (resumed.State!.Value.GetProperty("page").GetInt32(), resumed.SavedByAttempt));
        // The first attempt's holder can neither read nor write any more.
        await agent.Http.GetAsync(checkpointPath + "?attempt=1").ShouldBeProblemAsync(HttpStatusCode.Conflict, ProblemTypes.StaleAttempt);
        await agent.Http.PutAsJsonAsync(checkpointPath, new SaveCheckpointRequest(1, JsonSerializer.SerializeToElement(0)), ServerHarness.Json)
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, ProblemTypes.StaleAttempt);

        using var other = await _server.CreateTenantAsync();
        using var otherAgent = await SimulatedAgent.RegisterAsync(_server, other, "other");
        await otherAgent.Http.GetAsync(checkpointPath + "?attempt=2").ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_jobs_heartbeat_renews_its_lease_without_a_poll()
    {
        using var tenant = await TenantWithPackageAsync();
        using var agent = await SimulatedAgent.RegisterAsync(_server, tenant);
        var job = await RunningJobAsync(tenant, agent);
        var store = _server.Server.Services.GetRequiredService<IBatonStore>();
        var before = (await store.Jobs.GetAsync(tenant.Tenant.Id, job.JobId, default))!.LeaseExpiresAt;

        await Task.Delay(TimeSpan.FromMilliseconds(1100));
        await agent.Http.PostAsJsonAsync($"/api/agent/v1/jobs/{job.JobId}/logs", new AppendLogsRequest(job.Attempt, [], Heartbeat: true), ServerHarness.Json)
            .ShouldBeAsync(HttpStatusCode.OK);

        var clock = Stopwatch.StartNew();
        while ((await store.Jobs.GetAsync(tenant.Tenant.Id, job.JobId, default))!.LeaseExpiresAt <= before)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "the heartbeat should have renewed the job's lease");
            await Task.Delay(50);
        }
        // Progress is untouched by a heartbeat.
        Assert.Null((await tenant.Client.GetAsync($"/api/v1/jobs/{job.JobId}").ReadAsync<JobDto>()).Progress);
    }
}
