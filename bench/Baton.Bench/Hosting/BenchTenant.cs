using System.IO.Compression;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Baton.Core.Api;
using Baton.Core.Tenancy;

namespace Baton.Bench.Hosting;

/// <summary>
/// A tenant of its own for one benchmark run (enterprise tier, quotas lifted far above any scenario),
/// with an enrollment token for the simulated agents and a no-op package to submit.
/// </summary>
public sealed class BenchTenant : IDisposable
{
    public const string PackageName = "bench-noop";

    private BenchTenant(TenantDto tenant, HttpClient api, string apiKey, string enrollmentToken)
    {
        Tenant = tenant;
        Api = api;
        ApiKey = apiKey;
        EnrollmentToken = enrollmentToken;
    }

    /// <summary>The tenant's admin key (what <see cref="Api"/> sends), for a scenario that runs the real CLI.</summary>
    public string ApiKey { get; }

    public TenantDto Tenant { get; }

    /// <summary>Authenticated as the tenant's admin key.</summary>
    public HttpClient Api { get; }

    public string EnrollmentToken { get; }

    public static async Task<BenchTenant> CreateAsync(BenchTarget target, CancellationToken cancellationToken)
    {
        using var admin = BenchHttp.CreateClient(target.BaseAddress);
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", target.AdminKey);
        var name = "bench-" + Guid.NewGuid().ToString("N")[..10];
        var quotas = new QuotaOverrides(
            Agents: 1_000_000, ConcurrentJobs: 1_000_000, Schedules: 1_000, Queues: 1_000, StorageGb: 100, ApiCallsPerDay: 1_000_000_000, PendingJobs: 1_000_000);
        var created = await ReadAsync<CreateTenantResponse>(
            await admin.PostAsJsonAsync("/api/v1/tenants", new CreateTenantRequest(name, "enterprise", quotas), BenchHttp.Json, cancellationToken),
            "create the benchmark tenant (the key must be a system admin's)", cancellationToken);

        var api = BenchHttp.CreateClient(target.BaseAddress, BenchHttp.ApiConnections);
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", created.AdminKey.Secret);
        try
        {
            var token = await ReadAsync<CreatedEnrollmentTokenDto>(
                await api.PostAsJsonAsync("/api/v1/enrollment-tokens", new CreateEnrollmentTokenRequest("bench agents"), BenchHttp.Json, cancellationToken),
                "create an enrollment token", cancellationToken);
            using var package = new ByteArrayContent(NoOpPackage());
            package.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
            await ReadAsync<PackageUploadResponse>(await api.PostAsync("/api/v1/packages", package, cancellationToken), "upload the no-op package", cancellationToken);
            return new BenchTenant(created.Tenant, api, created.AdminKey.Secret, token.Secret);
        }
        catch
        {
            api.Dispose();
            throw;
        }
    }

    /// <summary>A valid package whose Python is never run: the simulated agents only report start and success.</summary>
    public static byte[] NoOpPackage()
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            Write(zip, "baton.yaml", $"""
                name: {PackageName}
                version: 1.0.0
                description: Does nothing; used by the benchmark harness.
                entrypoint: noop:main
                timeout: 2h
                max_attempts: 1
                """);
            Write(zip, "noop.py", "def main():\n    return {}\n");
        }
        return buffer.ToArray();
    }

    private int _submitRetries;

    /// <summary>Submissions the server refused for backpressure (503 saturated, 429 pending cap) and that were sent again.</summary>
    public int SubmitRetries => Volatile.Read(ref _submitRetries);

    /// <summary>
    /// Submits one no-op job the way a well-behaved client does: a 503 or 429 is retried after its
    /// Retry-After (at most <see cref="MaxSubmitAttempts"/> times), so backpressure shows as latency
    /// and as <see cref="SubmitRetries"/>, not as lost jobs.
    /// </summary>
    public Task<HttpResponseMessage> SubmitAsync(CancellationToken cancellationToken) => SubmitAsync(PackageName, cancellationToken);

    /// <summary>As <see cref="SubmitAsync(CancellationToken)"/>, for a job of <paramref name="package"/>.</summary>
    public async Task<HttpResponseMessage> SubmitAsync(string package, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var response = await Api.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest(package), BenchHttp.Json, cancellationToken);
            var backpressure = response.StatusCode is System.Net.HttpStatusCode.ServiceUnavailable or System.Net.HttpStatusCode.TooManyRequests;
            if (!backpressure || attempt == MaxSubmitAttempts) return response;
            var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
            response.Dispose();
            Interlocked.Increment(ref _submitRetries);
            await Task.Delay(wait, cancellationToken);
        }
    }

    /// <summary>
    /// Like a real client, a submission refused for backpressure or saturation is retried after the Retry-After
    /// it was given, for about a minute (the retries are counted in <c>submit_retries</c>).
    /// </summary>
    public const int MaxSubmitAttempts = 60;

    public async Task<TenantUsageDto> GetUsageAsync(CancellationToken cancellationToken)
    {
        var tenant = await ReadAsync<TenantDto>(await Api.GetAsync("/api/v1/tenant", cancellationToken), "read the tenant's usage", cancellationToken);
        return tenant.Usage ?? throw new InvalidOperationException("The server did not report the tenant's usage.");
    }

    public static async Task<T> ReadAsync<T>(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                throw new InvalidOperationException($"Could not {what}: HTTP {(int)response.StatusCode} {body}");
            }
            return await response.Content.ReadFromJsonAsync<T>(BenchHttp.Json, cancellationToken)
                ?? throw new InvalidOperationException($"Could not {what}: empty answer.");
        }
    }

    private static void Write(ZipArchive zip, string name, string text)
    {
        using var stream = zip.CreateEntry(name).Open();
        stream.Write(Encoding.UTF8.GetBytes(text));
    }

    public void Dispose() => Api.Dispose();
}
