using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Baton.Core.AgentProtocol;
using Baton.Core.Api;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests;

/// <summary>Job artifacts over HTTP: uploaded by the agent holding the attempt, listed and downloaded in the job's tenant only, within limits.</summary>
public sealed class ArtifactTests : IAsyncLifetime
{
    private readonly ServerHarness _server = new();

    public async Task InitializeAsync() => await _server.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private sealed record Running(TestTenant Tenant, SimulatedAgent Agent, JobAssignment Job) : IDisposable
    {
        public void Dispose() => Agent.Dispose();
    }

    private async Task<Running> RunningJobAsync(TestTenant tenant)
    {
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ShouldBeAsync(HttpStatusCode.Created);
        await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello")).ShouldBeAsync(HttpStatusCode.Created);
        var agent = await SimulatedAgent.RegisterAsync(_server, tenant, "artifact-agent");
        var job = await agent.ClaimOneAsync();
        await agent.StartAsync(job.JobId, job.Attempt).ShouldBeAsync(HttpStatusCode.NoContent);
        return new Running(tenant, agent, job);
    }

    private static Task<HttpResponseMessage> UploadAsync(HttpClient agent, string jobId, int? attempt, string? name, byte[] bytes)
    {
        var query = new List<string>();
        if (attempt is { } a) query.Add("attempt=" + a);
        if (name is not null) query.Add("name=" + Uri.EscapeDataString(name));
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return agent.PostAsync($"/api/agent/v1/jobs/{jobId}/artifacts?{string.Join('&', query)}", content);
    }

    private static byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private string BlobPath(string sha256) => Path.Combine(_server.DataDirectory, "blobs", "sha256", sha256[..2], sha256);

    [Fact]
    public async Task An_agent_uploads_the_attempts_files_and_its_tenant_lists_and_downloads_them_byte_identical()
    {
        using var tenant = await _server.CreateTenantAsync();
        using var run = await RunningJobAsync(tenant);
        var chart = RandomBytes(300_000);
        var report = "row,value\n1,2\n"u8.ToArray();

        var stored = await UploadAsync(run.Agent.Http, run.Job.JobId, run.Job.Attempt, "chart.bin", chart).ReadAsync<ArtifactUploadResponse>();
        Assert.Equal(new ArtifactUploadResponse("chart.bin", Sha(chart), chart.Length), stored);
        await UploadAsync(run.Agent.Http, run.Job.JobId, run.Job.Attempt, "reports/q1 report.csv", report).ShouldBeAsync(HttpStatusCode.OK);

        var listed = await tenant.Client.GetAsync($"/api/v1/jobs/{run.Job.JobId}/artifacts").ReadAsync<ListResponse<ArtifactDto>>();
        Assert.Equal(["chart.bin", "reports/q1 report.csv"], listed.Items.Select(a => a.Name));
        Assert.Equal((run.Job.JobId, 1, Sha(report), (long)report.Length), (listed.Items[1].JobId, listed.Items[1].Attempt, listed.Items[1].Sha256, listed.Items[1].SizeBytes));

        using var download = await tenant.Client.GetAsync($"/api/v1/jobs/{run.Job.JobId}/artifacts/chart.bin").ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal(chart, await download.Content.ReadAsByteArrayAsync());
        Assert.Equal(Sha(chart), download.Headers.GetValues("X-Content-SHA256").Single());
        Assert.Equal("chart.bin", download.Content.Headers.ContentDisposition?.FileName);
        using var nested = await tenant.Client.GetAsync($"/api/v1/jobs/{run.Job.JobId}/artifacts/reports/q1%20report.csv").ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal(report, await nested.Content.ReadAsByteArrayAsync());

        // A viewer reads them; the tenant's storage use counts them.
        var viewerKey = (await tenant.Client.PostAsJsonAsync("/api/v1/keys", new CreateApiKeyRequest("viewer", "viewer")).ReadAsync<CreatedApiKeyDto>(HttpStatusCode.Created)).Secret;
        using var viewer = _server.Client(viewerKey);
        await viewer.GetAsync($"/api/v1/jobs/{run.Job.JobId}/artifacts").ShouldBeAsync(HttpStatusCode.OK);
        await viewer.GetAsync($"/api/v1/jobs/{run.Job.JobId}/artifacts/chart.bin").ShouldBeAsync(HttpStatusCode.OK);
        var usage = (await tenant.Client.GetAsync("/api/v1/tenant").ReadAsync<TenantDto>()).Usage!;
        Assert.True(usage.StorageBytes >= chart.Length + report.Length, $"storage use {usage.StorageBytes} should count the artifacts");

        await tenant.Client.GetAsync($"/api/v1/jobs/{run.Job.JobId}/artifacts/absent.txt").ShouldBeAsync(HttpStatusCode.NotFound);
        await tenant.Client.GetAsync("/api/v1/jobs/j-none/artifacts").ShouldBeAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Another_tenant_and_its_agents_get_404_for_this_tenants_artifacts()
    {
        using var owner = await _server.CreateTenantAsync();
        using var other = await _server.CreateTenantAsync();
        using var run = await RunningJobAsync(owner);
        var secret = RandomBytes(1000);
        await UploadAsync(run.Agent.Http, run.Job.JobId, run.Job.Attempt, "secret.bin", secret).ShouldBeAsync(HttpStatusCode.OK);
        using var otherAgent = await SimulatedAgent.RegisterAsync(_server, other, "other-agent");

        await other.Client.GetAsync($"/api/v1/jobs/{run.Job.JobId}/artifacts").ShouldBeAsync(HttpStatusCode.NotFound);
        using var refused = await other.Client.GetAsync($"/api/v1/jobs/{run.Job.JobId}/artifacts/secret.bin").ShouldBeAsync(HttpStatusCode.NotFound);
        Assert.DoesNotContain(Sha(secret), await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await UploadAsync(otherAgent.Http, run.Job.JobId, run.Job.Attempt, "secret.bin", [1, 2, 3]).ShouldBeAsync(HttpStatusCode.NotFound);

        using var original = await owner.Client.GetAsync($"/api/v1/jobs/{run.Job.JobId}/artifacts/secret.bin").ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal(secret, await original.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Stale_attempts_ended_jobs_other_agents_and_bad_names_are_refused_and_store_nothing()
    {
        using var tenant = await _server.CreateTenantAsync();
        using var run = await RunningJobAsync(tenant);
        using var sibling = await SimulatedAgent.RegisterAsync(_server, tenant, "sibling");
        var bytes = RandomBytes(5000);

        await UploadAsync(run.Agent.Http, run.Job.JobId, run.Job.Attempt + 1, "a.bin", bytes).ShouldBeAsync(HttpStatusCode.Conflict);
        await UploadAsync(sibling.Http, run.Job.JobId, run.Job.Attempt, "a.bin", bytes).ShouldBeAsync(HttpStatusCode.Conflict);
        await UploadAsync(run.Agent.Http, run.Job.JobId, null, "a.bin", bytes).ShouldBeAsync(HttpStatusCode.BadRequest);
        foreach (var bad in new[] { "../a.bin", "/a.bin", "a//b", "a\\b", "" })
        {
            using var refused = await UploadAsync(run.Agent.Http, run.Job.JobId, run.Job.Attempt, bad, bytes).ShouldBeAsync(HttpStatusCode.BadRequest);
            Assert.Contains("\"field\":\"name\"", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        await UploadAsync(run.Agent.Http, run.Job.JobId, run.Job.Attempt, null, bytes).ShouldBeAsync(HttpStatusCode.BadRequest);

        await run.Agent.CompleteAsync(run.Job.JobId, run.Job.Attempt, "succeeded", new { ok = true }).ShouldBeAsync(HttpStatusCode.OK);
        await UploadAsync(run.Agent.Http, run.Job.JobId, run.Job.Attempt, "late.bin", bytes).ShouldBeAsync(HttpStatusCode.Conflict);

        Assert.Empty((await tenant.Client.GetAsync($"/api/v1/jobs/{run.Job.JobId}/artifacts").ReadAsync<ListResponse<ArtifactDto>>()).Items);
        Assert.False(File.Exists(BlobPath(Sha(bytes))), "refused content must not stay in the blob store");
    }

    [Fact]
    public async Task The_per_job_limit_answers_413_and_the_storage_quota_403_and_refused_content_is_not_kept()
    {
        using var tenant = await _server.CreateTenantAsync(quotas: new QuotaOverridesInput(ArtifactMbPerJob: 1));
        using var run = await RunningJobAsync(tenant);
        var first = RandomBytes(600_000);
        var second = RandomBytes(600_000);
        await UploadAsync(run.Agent.Http, run.Job.JobId, run.Job.Attempt, "first.bin", first).ShouldBeAsync(HttpStatusCode.OK);
        using var tooMuch = await UploadAsync(run.Agent.Http, run.Job.JobId, run.Job.Attempt, "second.bin", second).ShouldBeAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("artifact-too-large", await tooMuch.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(File.Exists(BlobPath(Sha(second))));
        // One file past the limit alone is refused before it is stored, announced length or not.
        await UploadAsync(run.Agent.Http, run.Job.JobId, run.Job.Attempt, "big.bin", RandomBytes(1_100_000)).ShouldBeAsync(HttpStatusCode.RequestEntityTooLarge);
        // Replacing a file frees its room first.
        await UploadAsync(run.Agent.Http, run.Job.JobId, run.Job.Attempt, "first.bin", second).ShouldBeAsync(HttpStatusCode.OK);
        Assert.False(File.Exists(BlobPath(Sha(first))), "the replaced content is no longer named by anything");
        Assert.True(File.Exists(BlobPath(Sha(second))));

        // 0.001 GB is about 1 MiB of storage for packages, artifacts and logs together.
        using var small = await _server.CreateTenantAsync(quotas: new QuotaOverridesInput(StorageGb: 0.001, ArtifactMbPerJob: 10));
        using var smallRun = await RunningJobAsync(small);
        using var full = await UploadAsync(smallRun.Agent.Http, smallRun.Job.JobId, smallRun.Job.Attempt, "huge.bin", RandomBytes(1_200_000))
            .ShouldBeAsync(HttpStatusCode.Forbidden);
        Assert.Contains("quota-exceeded", await full.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty((await small.Client.GetAsync($"/api/v1/jobs/{smallRun.Job.JobId}/artifacts").ReadAsync<ListResponse<ArtifactDto>>()).Items);
    }
}
