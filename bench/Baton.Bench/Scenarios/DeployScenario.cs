using System.Diagnostics;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;
using Baton.Bench.Agents;
using Baton.Bench.Hosting;
using Baton.Bench.Metrics;
using Baton.Core.Api;

namespace Baton.Bench.Scenarios;

/// <summary>
/// Publish a package version while N agents long-poll, and time until every one of them has downloaded
/// and verified it (prefetch: the upload wakes the polls, each poll offers the new version, each agent
/// fetches it over the agent protocol and reports it cached). Repeated for a few versions.
/// </summary>
public sealed class DeployScenario : IBenchScenario
{
    private const int PayloadBytes = 256 * 1024;

    public string Name => "deploy";

    public string Description => "Publish a package version; time until N agents (100) have downloaded, verified and cached it.";

    public async Task<BenchResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var settings = context.Settings;
        var agentCount = settings.AgentsOr(100, 100);
        var rounds = settings.JobsOr(5, 3);

        context.Progress($"registering {agentCount} caching agents");
        var agents = new CachingAgent[agentCount];
        await Parallel.ForEachAsync(Enumerable.Range(0, agentCount), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (i, ct) => agents[i] = await CachingAgent.RegisterAsync(context.AgentHttp, context.Tenant.EnrollmentToken, $"deploy-{i:000}", ct));

        var download = new LatencyRecorder();
        var deploy = new LatencyRecorder();
        foreach (var agent in agents) agent.Cached += (_, ms) => download.Record(ms);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = agents.Select(agent => agent.RunAsync(10, stop.Token)).ToList();
        // Let every agent's first poll arrive, so each round times a publish to agents already waiting.
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);

        var timeouts = 0;
        for (var round = 0; round < rounds; round++)
        {
            var version = $"1.{round}.{Environment.TickCount64 % 100_000}";
            var zip = Package(version);
            var everyone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            string? sha = null;
            var remaining = agentCount;
            void OnCached(string cachedSha, double _)
            {
                if (cachedSha == Volatile.Read(ref sha) && Interlocked.Decrement(ref remaining) == 0) everyone.TrySetResult();
            }
            foreach (var agent in agents) agent.Cached += OnCached;

            context.Progress($"publishing bench-deploy {version} ({zip.Length / 1024} KiB) to {agentCount} agents");
            var started = Stopwatch.GetTimestamp();
            using (var content = new ByteArrayContent(zip))
            {
                content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
                var uploaded = await BenchTenant.ReadAsync<PackageUploadResponse>(
                    await context.Tenant.Api.PostAsync("/api/v1/packages", content, cancellationToken), "publish the deploy package", cancellationToken);
                Volatile.Write(ref sha, uploaded.Package.Sha256);
                // An agent may have finished before the SHA was known here: count those too.
                var early = agents.Count(a => a.Has(uploaded.Package.Sha256));
                if (early > 0 && Interlocked.Add(ref remaining, -early) <= 0) everyone.TrySetResult();
            }
            try
            {
                await everyone.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
                deploy.RecordSince(started);
            }
            catch (TimeoutException)
            {
                timeouts++;
            }
            foreach (var agent in agents) agent.Cached -= OnCached;
        }

        await stop.CancelAsync();
        await Task.WhenAll(running);
        var times = deploy.Summarise();
        return new BenchResult(Name, context.Target.Backend)
            .Add($"deploy_{agentCount}_agents_ms", times.Max)
            .Add("deploy_ms", times)
            .Add("download_ms", download.Summarise())
            .Add("rounds_timed_out", timeouts)
            .Add("errors", agents.Sum(a => a.Errors))
            .Note($"{agentCount} agents long-polling; {rounds} versions of a {PayloadBytes / 1024} KiB package published one after another; " +
                  $"deploy_{agentCount}_agents_ms is the slowest round, from the upload request until the last agent verified the SHA-256.");
    }

    /// <summary>A valid package with an incompressible payload, so each agent really moves the bytes.</summary>
    private static byte[] Package(string version)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            Write(zip, "baton.yaml", Encoding.UTF8.GetBytes($"name: bench-deploy\nversion: {version}\nentrypoint: noop:main\n"));
            Write(zip, "noop.py", "def main():\n    return {}\n"u8.ToArray());
            var payload = new byte[PayloadBytes];
            Random.Shared.NextBytes(payload);
            Write(zip, "payload.bin", payload);
        }
        return buffer.ToArray();
    }

    private static void Write(ZipArchive zip, string name, byte[] bytes)
    {
        using var stream = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
        stream.Write(bytes);
    }
}
