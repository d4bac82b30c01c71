using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Baton.Core.Api;
using Baton.EndToEnd.Tests.Support;
using Baton.Server.Tests.Support;
using Xunit.Abstractions;

namespace Baton.EndToEnd.Tests;

/// <summary>
/// A real Prometheus (Debian's package, installed by scripts/test-prometheus.sh from test.sh) scrapes /metrics of two
/// server replicas on one PostgreSQL, and PromQL sees the queue depth the API reports, the same on both replicas.
/// </summary>
public sealed class PrometheusScrapeTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly Cluster _cluster = new();
    private TestPostgres? _postgres;
    private Process? _prometheus;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_prometheus is { HasExited: false } prometheus)
        {
            prometheus.Kill(entireProcessTree: true);
            await prometheus.WaitForExitAsync();
        }
        _prometheus?.Dispose();
        await _cluster.DisposeAsync();
        if (_postgres is not null) await _postgres.DisposeAsync();
    }

    [Fact]
    public async Task Prometheus_scraping_two_replicas_sees_the_queue_depth_the_api_reports()
    {
        var binary = FindPrometheus();
        _postgres = await TestPostgres.CreateAsync();
        string[] storage =
        [
            "--storage", "postgres", "--postgres", _postgres.AppConnectionString,
            "--postgres-migration", _postgres.OwnerConnectionString, "--blobs", Path.Combine(_cluster.Root, "blobs"),
        ];
        var replicaA = await _cluster.StartReplicaAsync("replica-a", 4, storage);
        var replicaB = await _cluster.StartReplicaAsync("replica-b", 4, storage);
        var targets = new[] { _cluster.ReplicaUrl(replicaA), _cluster.ReplicaUrl(replicaB) }.Select(url => new Uri(url).Authority).ToList();

        // No agents: the submitted jobs stay pending, so the queue depth holds still while Prometheus catches up.
        using var api = _cluster.Api(url: _cluster.ReplicaUrl(replicaA));
        var tenantName = "prom-" + Guid.NewGuid().ToString("N")[..8];
        var created = await (await api.PostAsJsonAsync("/api/v1/tenants", new { name = tenantName, tier = "enterprise" })).Content.ReadFromJsonAsync<CreateTenantResponse>(Cluster.Json);
        using var tenant = _cluster.Api(key: created!.AdminKey.Secret, url: _cluster.ReplicaUrl(replicaB));
        Assert.Equal(HttpStatusCode.Created, (await tenant.PostAsync("/api/v1/packages", HelloPackage())).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await tenant.PostAsJsonAsync("/api/v1/queues", new CreateQueueRequest("reports"))).StatusCode);
        for (var i = 0; i < 7; i++) Assert.Equal(HttpStatusCode.Created, (await tenant.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello"))).StatusCode);
        for (var i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.Created, (await tenant.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello", Queue: "reports"))).StatusCode);
        var pending = (await tenant.GetFromJsonAsync<ListResponse<JobDto>>("/api/v1/jobs?state=pending&limit=100", Cluster.Json))!.Items;
        var apiDefault = pending.Count(job => job.Queue == "default");
        var apiReports = pending.Count(job => job.Queue == "reports");
        Assert.Equal((7, 3), (apiDefault, apiReports));

        var prometheusUrl = StartPrometheus(binary, targets);
        using var http = new HttpClient { BaseAddress = new Uri(prometheusUrl), Timeout = TimeSpan.FromSeconds(10) };

        // Fleet figures come from the store: every replica reports the same depth, so max across replicas is the depth.
        var depthDefault = $"max by (tenant, queue) (orchestrator_job_queue_depth{{tenant=\"{tenantName}\",queue=\"default\"}})";
        var perReplica = $"orchestrator_job_queue_depth{{tenant=\"{tenantName}\",queue=\"reports\"}}";
        var clock = Stopwatch.StartNew();
        IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)> byReplica = [];
        double? promDefault = null;
        while (clock.Elapsed < TimeSpan.FromSeconds(90))
        {
            promDefault = (await QueryAsync(http, depthDefault)).Select(r => (double?)r.Value).FirstOrDefault();
            byReplica = await QueryAsync(http, perReplica);
            if (promDefault == apiDefault && byReplica.Count == 2 && byReplica.All(r => r.Value == apiReports)) break;
            await Task.Delay(500);
        }
        output.WriteLine($"after {clock.ElapsedMilliseconds} ms: PromQL default={promDefault}, reports per replica={string.Join(", ", byReplica.Select(r => $"{r.Labels["instance"]}={r.Value}"))}");
        Assert.Equal(apiDefault, promDefault);
        Assert.Equal(targets.Order(StringComparer.Ordinal), byReplica.Select(r => r.Labels["instance"]).Order(StringComparer.Ordinal));
        Assert.All(byReplica, r => Assert.Equal(apiReports, r.Value));
        // Both replicas answer the scrape, with the system families too.
        Assert.Equal(2, (await QueryAsync(http, "up{job=\"baton\"} == 1")).Count);
        Assert.Equal(2, (await QueryAsync(http, "orchestrator_process_resident_memory_bytes")).Count);
    }

    private static ByteArrayContent HelloPackage()
    {
        using var buffer = new MemoryStream();
        using (var zip = new System.IO.Compression.ZipArchive(buffer, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (path, text) in new[] { ("baton.yaml", "name: hello\nversion: 1.0.0\nentrypoint: main:run\n"), ("main.py", "def run():\n    return {}\n") })
            {
                using var writer = new StreamWriter(zip.CreateEntry(path).Open());
                writer.Write(text);
            }
        }
        var content = new ByteArrayContent(buffer.ToArray());
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/zip");
        return content;
    }

    private string StartPrometheus(string binary, IReadOnlyList<string> targets)
    {
        var folder = Path.Combine(_cluster.Root, "prometheus");
        Directory.CreateDirectory(folder);
        var config = Path.Combine(folder, "prometheus.yml");
        File.WriteAllText(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: baton
                metrics_path: /metrics
                static_configs:
                  - targets: [{string.Join(", ", targets.Select(t => $"'{t}'"))}]
            """);
        var port = Cluster.FreePort();
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(folder, "data")}",
            $"--web.listen-address=127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}", "--log.level=warn",
        })
        {
            start.ArgumentList.Add(argument);
        }
        _prometheus = Process.Start(start) ?? throw new InvalidOperationException("Prometheus did not start.");
        _prometheus.OutputDataReceived += (_, e) => { if (e.Data is not null) output.WriteLine("prometheus: " + e.Data); };
        _prometheus.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.WriteLine("prometheus: " + e.Data); };
        _prometheus.BeginOutputReadLine();
        _prometheus.BeginErrorReadLine();
        return $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
    }

    private static async Task<IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)>> QueryAsync(HttpClient http, string promql)
    {
        try
        {
            using var document = JsonDocument.Parse(await http.GetStringAsync("/api/v1/query?query=" + Uri.EscapeDataString(promql)));
            var results = new List<(IReadOnlyDictionary<string, string>, double)>();
            foreach (var item in document.RootElement.GetProperty("data").GetProperty("result").EnumerateArray())
            {
                var labels = item.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "");
                var value = double.Parse(item.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
                results.Add((labels, value));
            }
            return results;
        }
        catch (HttpRequestException)
        {
            // Prometheus is still starting.
            return [];
        }
    }

    /// <summary>The Prometheus binary; a missing one fails the test (CI installs it with scripts/test-prometheus.sh).</summary>
    private static string FindPrometheus()
    {
        var candidates = new[] { Environment.GetEnvironmentVariable("BATON_TEST_PROMETHEUS"), "/usr/bin/prometheus", "/usr/local/bin/prometheus" }
            .Concat((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Select(dir => Path.Combine(dir, "prometheus")));
        return candidates.FirstOrDefault(path => !string.IsNullOrEmpty(path) && File.Exists(path))
            ?? throw new InvalidOperationException(
                "Prometheus is not installed, so the metrics scrape test cannot run. Install it with `scripts/test-prometheus.sh install` (Debian's prometheus package, as root) or set BATON_TEST_PROMETHEUS to its binary.");
    }
}
