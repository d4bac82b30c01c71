using System.Diagnostics;
using System.Net;
using System.Text;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests.Hardening;

/// <summary>
/// Many bombs at once — compressed and plain, anonymous and authenticated, huge inputs — while the server keeps
/// answering /healthz within a second or two and its memory stays within a stated bound (here the server runs
/// in the test process, so the process's working set is the server's).
/// </summary>
public sealed class ResourceBombTests : IAsyncLifetime
{
    /// <summary>The stated bound: a barrage of 24 bodies that expand to 1.5 GiB grows the server by less than this.</summary>
    private const long MemoryBoundBytes = 384L * 1024 * 1024;

    private readonly ServerHarness _server = new();

    public async Task InitializeAsync() => await _server.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_barrage_of_bombs_leaves_memory_bounded_and_healthz_answering()
    {
        using var tenant = await _server.CreateTenantAsync();
        using var anonymous = _server.Client(null);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var baseline = process.WorkingSet64;
        var peak = baseline;

        var bombs = new List<Task<HttpStatusCode>>();
        for (var i = 0; i < 8; i++)
        {
            bombs.Add(Send(anonymous, "/api/v1/auth/token", RequestBodyLimitTests.GzipBomb("apiKey", 64)));
            bombs.Add(Send(anonymous, "/api/agent/v1/register", RequestBodyLimitTests.GzipBomb("enrollmentToken", 64)));
            bombs.Add(Send(tenant.Client, "/api/v1/jobs", RequestBodyLimitTests.GzipBomb("package", 64)));
        }
        // Plain huge bodies: an input past the tenant's input limit, and a body far past the route's limit.
        bombs.Add(Send(tenant.Client, "/api/v1/jobs", new StringContent(
            $"{{\"package\":\"hello\",\"inputs\":{{\"x\":\"{new string('i', 20 * 1024 * 1024)}\"}}}}", Encoding.UTF8, "application/json")));
        bombs.Add(Send(tenant.Client, "/api/v1/queues", new StringContent(
            $"{{\"name\":\"{new string('q', 32 * 1024 * 1024)}\"}}", Encoding.UTF8, "application/json")));

        var slowest = TimeSpan.Zero;
        var all = Task.WhenAll(bombs);
        while (!all.IsCompleted)
        {
            var watch = Stopwatch.StartNew();
            using (var health = await anonymous.GetAsync("/healthz")) Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            slowest = watch.Elapsed > slowest ? watch.Elapsed : slowest;
            process.Refresh();
            peak = Math.Max(peak, process.WorkingSet64);
            await Task.WhenAny(all, Task.Delay(100));
        }
        foreach (var status in await all)
        {
            Assert.True(status is HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.BadRequest, $"a bomb was answered {(int)status}");
        }
        process.Refresh();
        peak = Math.Max(peak, process.WorkingSet64);
        // The test's own request bodies (about 60 MiB of plain text, as UTF-16 and UTF-8) are counted in too.
        Assert.True(peak - baseline < MemoryBoundBytes, $"the working set grew by {(peak - baseline) / 1024 / 1024} MiB");
        Assert.True(slowest < TimeSpan.FromSeconds(3), $"/healthz took {slowest.TotalMilliseconds:F0} ms during the barrage");
    }

    /// <summary>The answer's status; a server that refuses a body by its declared length may close the connection while it is still being sent.</summary>
    private static async Task<HttpStatusCode> Send(HttpClient client, string path, HttpContent content)
    {
        try
        {
            using var response = await client.PostAsync(path, content);
            return response.StatusCode;
        }
        catch (HttpRequestException e) when (e.InnerException is IOException)
        {
            return HttpStatusCode.RequestEntityTooLarge;
        }
    }
}
