using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Baton.DashboardBench;

/// <summary>
/// A real <c>baton server</c> and one <c>baton agent</c> as child processes, on a free loopback port and temporary
/// folders, both killed and deleted on dispose.
/// </summary>
public sealed class LocalBaton : IAsyncDisposable
{
    public const string AdminKey = "bk_dashboard_bench_admin_key_000001";
    private readonly List<Process> _processes = [];
    private readonly string _root = Path.Combine(Path.GetTempPath(), "baton-dashboard-bench-" + Guid.NewGuid().ToString("N")[..8]);

    public string Url { get; private set; } = "";

    public HttpClient Api { get; private set; } = null!;

    public static async Task<LocalBaton> StartAsync()
    {
        var baton = new LocalBaton();
        Directory.CreateDirectory(baton._root);
        var port = FreePort();
        baton.Url = $"http://127.0.0.1:{port}";
        baton.Api = new HttpClient { BaseAddress = new Uri(baton.Url), Timeout = TimeSpan.FromSeconds(60) };
        baton.Api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        baton.Start(new() { ["BATON_BOOTSTRAP_API_KEY"] = AdminKey },
            "server", "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data", Path.Combine(baton._root, "server"));
        await baton.WaitAsync(async () => (await baton.Api.GetAsync("/healthz")).IsSuccessStatusCode, "the server to answer /healthz");

        var token = await baton.Api.PostAsJsonAsync("/api/v1/enrollment-tokens", new { name = "bench" });
        var secret = JsonDocument.Parse(await token.EnsureSuccessStatusCode().Content.ReadAsStringAsync()).RootElement.GetProperty("secret").GetString()!;
        baton.Start(new() { ["HOME"] = baton._root },
            "agent", "--server", baton.Url, "--token", secret, "--name", "bench-agent", "--slots", "1", "--data", Path.Combine(baton._root, "agent"));
        await baton.WaitAsync(async () => (await baton.Api.GetStringAsync("/api/v1/agents")).Contains("\"online\"", StringComparison.Ordinal), "the agent to come online");
        return baton;
    }

    /// <summary>Pushes a package printing <paramref name="lines"/> lines (some in ANSI colours), runs it, returns the finished job's id.</summary>
    public async Task<string> RunLoggingJobAsync(int lines)
    {
        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            await using (var w = new StreamWriter(archive.CreateEntry("baton.yaml").Open()))
            {
                await w.WriteAsync("name: bench-log\nversion: 1.0.0\nentrypoint: main:main\ntimeout: 5m\nparameters:\n  lines:\n    type: integer\n    default: 10\n");
            }
            await using (var w = new StreamWriter(archive.CreateEntry("main.py").Open()))
            {
                await w.WriteAsync("""
                    import sys

                    def main(lines=10):
                        for i in range(lines):
                            if i % 10 == 0:
                                print("\x1b[32mINFO\x1b[0m step %d of %d: \x1b[1mcolour\x1b[0m line with some text to render" % (i, lines))
                            else:
                                print("step %d of %d: plain line with some ordinary text to render in the log view" % (i, lines))
                        sys.stdout.flush()
                        return {"lines": lines}
                    """);
            }
        }
        using var content = new ByteArrayContent(zip.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        (await Api.PostAsync("/api/v1/packages", content)).EnsureSuccessStatusCode();
        var submitted = await Api.PostAsync("/api/v1/jobs", new StringContent(
            "{\"package\":\"bench-log\",\"inputs\":{\"lines\":" + lines.ToString(System.Globalization.CultureInfo.InvariantCulture) + "}}", Encoding.UTF8, "application/json"));
        var jobId = JsonDocument.Parse(await submitted.EnsureSuccessStatusCode().Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        await WaitAsync(async () => (await Api.GetStringAsync($"/api/v1/jobs/{jobId}")).Contains("\"state\":\"succeeded\"", StringComparison.Ordinal), "the logging job to succeed", TimeSpan.FromMinutes(3));
        return jobId;
    }

    /// <summary>The session cookie the dashboard's sign-in sets, for browser contexts that skip the form.</summary>
    public async Task<string> SessionCookieAsync()
    {
        using var client = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = new Uri(Url) };
        var response = await client.PostAsync("/api/v1/auth/session", new StringContent($$"""{"apiKey":"{{AdminKey}}"}""", Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
        var header = response.Headers.GetValues("Set-Cookie").First(c => c.StartsWith("baton_session=", StringComparison.Ordinal));
        return header["baton_session=".Length..header.IndexOf(';', StringComparison.Ordinal)];
    }

    private void Start(Dictionary<string, string> env, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(BatonDll());
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var (key, value) in env) info.Environment[key] = value;
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes.Add(process);
    }

    private async Task WaitAsync(Func<Task<bool>> done, string what, TimeSpan? within = null)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < (within ?? TimeSpan.FromSeconds(90)))
        {
            try
            {
                if (await done()) return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            if (_processes.Any(p => p.HasExited)) throw new InvalidOperationException($"A baton process exited while waiting for {what}.");
            await Task.Delay(200);
        }
        throw new TimeoutException($"Timed out waiting for {what}.");
    }

    /// <summary>
    /// Asks for each address <paramref name="times"/> times with the session cookie, as a browser would (compressed): a
    /// server that has been up a while has compiled these paths with its optimising JIT tier, which a server started for
    /// the bench has not after one visit. Then waits for the background recompilation to finish.
    /// </summary>
    public async Task WarmUpAsync(string cookie, IEnumerable<string> paths, int times)
    {
        using var client = new HttpClient(new HttpClientHandler { UseCookies = false, AutomaticDecompression = DecompressionMethods.All }) { BaseAddress = new Uri(Url) };
        client.DefaultRequestHeaders.Add("Cookie", "baton_session=" + cookie);
        var all = paths.ToList();
        for (var i = 0; i < times; i++)
        {
            foreach (var path in all) (await client.GetAsync(path)).EnsureSuccessStatusCode();
        }
        await Task.Delay(TimeSpan.FromSeconds(2));
    }

    /// <summary>The CLI built with this bench (same configuration): src/Baton.Cli/bin/CONFIG/net10.0/baton.dll.</summary>
    private static string BatonDll()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = output.Parent?.Name ?? "Release";
        for (var dir = output; dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "src", "Baton.Cli", "bin", configuration, output.Name, "baton.dll");
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"baton.dll ({configuration}) was not found above {AppContext.BaseDirectory}: build src/Baton.Cli first.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        Api?.Dispose();
        foreach (var process in Enumerable.Reverse(_processes))
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            process.Dispose();
        }
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
