using System.Diagnostics;
using System.Net.Http.Json;
using Baton.Core.Api;
using Baton.EndToEnd.Tests.Support;
using Xunit.Abstractions;

namespace Baton.EndToEnd.Tests;

/// <summary>
/// Container images cannot be built here (no base images), so this runs what the image holds the way the image runs
/// it: the published output (publish profile "container") in a folder the process cannot write, as user 10001 when
/// the test runs as root, with the Dockerfile's own entrypoint, command, environment and health check. The server
/// must start, answer its probes and write only under its data folder and TMPDIR; the agent image's entrypoint must
/// enrol and run a Python job.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ContainerLayoutTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int ImageUid = 10001;
    private readonly string _root = Directory.CreateTempSubdirectory("baton-image-").FullName;
    private readonly List<Process> _processes = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
            process.Dispose();
        }
        MakeWritable(_root);
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task The_published_output_runs_as_the_images_entrypoint_would()
    {
        var app = Path.Combine(_root, "app");
        var publish = await RunToEndAsync("dotnet", ["publish", Path.Combine(Repo.Root, "src", "Baton.Cli", "Baton.Cli.csproj"), "-p:PublishProfile=container", "--no-build", "-o", app, "-v", "quiet"]);
        Assert.True(publish.ExitCode == 0, publish.Output);
        Assert.False(File.Exists(Path.Combine(app, "baton")), "the container profile ships no apphost");
        MakeReadOnly(app);
        var appBefore = Snapshot(app);

        var serverData = Folder("server-data");
        var tmp = Folder("tmp");
        var port = Cluster.FreePort();
        var url = $"http://127.0.0.1:{port}";
        var server = DockerfileStage.Read(Path.Combine(Repo.Root, "Dockerfile"), "server");
        Assert.Equal($"{ImageUid}:{ImageUid}", server.User);
        var serverLines = Start(server, app, serverData, tmp, port, url, new() { ["BATON_BOOTSTRAP_API_KEY"] = Cluster.AdminKey });
        await WaitForLineAsync(serverLines, "Baton server listening", TimeSpan.FromSeconds(90));

        using var http = new HttpClient { BaseAddress = new Uri(url) };
        Assert.True((await http.GetAsync("/healthz")).IsSuccessStatusCode);
        Assert.True((await http.GetAsync("/readyz")).IsSuccessStatusCode);
        // The image's HEALTHCHECK command itself, pointed at this port.
        var health = await RunToEndAsync(server.HealthCheck[0], server.HealthCheck.Skip(1).Select(a => a.Replace("8080", port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)).ToList());
        Assert.True(health.ExitCode == 0, $"the image's health check failed: {health.Output}");

        // The agent image: its entrypoint with the server's URL in place of the in-cluster name, a token from the environment.
        using var admin = new HttpClient { BaseAddress = new Uri(url) };
        admin.DefaultRequestHeaders.Authorization = new("Bearer", Cluster.AdminKey);
        var token = await admin.PostAsJsonAsync("/api/v1/enrollment-tokens", new CreateEnrollmentTokenRequest("image"));
        token.EnsureSuccessStatusCode();
        var secret = (await token.Content.ReadFromJsonAsync<CreatedEnrollmentTokenDto>(Cluster.Json))!.Secret;
        var push = await CliRunner.RunAsync(new Dictionary<string, string> { ["BATON_SERVER"] = url, ["BATON_API_KEY"] = Cluster.AdminKey, ["HOME"] = _root }, "package", "push", Repo.Sample("hello"));
        Assert.True(push.ExitCode == 0, push.ToString());
        var agent = DockerfileStage.Read(Path.Combine(Repo.Root, "Dockerfile"), "agent");
        Assert.Equal($"{ImageUid}:{ImageUid}", agent.User);
        var agentData = Folder("agent-data");
        Start(agent, app, agentData, tmp, port, url, new() { ["BATON_ENROLLMENT_TOKEN"] = secret });
        var job = await admin.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello"), Cluster.Json);
        Assert.True(job.IsSuccessStatusCode, await job.Content.ReadAsStringAsync());
        var id = (await job.Content.ReadFromJsonAsync<JobDto>(Cluster.Json))!.Id;
        var clock = Stopwatch.StartNew();
        JobDto state;
        do
        {
            await Task.Delay(200);
            state = (await admin.GetFromJsonAsync<JobDto>($"/api/v1/jobs/{id}", Cluster.Json))!;
        }
        while (state.State is not ("succeeded" or "failed" or "cancelled") && clock.Elapsed < TimeSpan.FromMinutes(3));
        Assert.Equal("succeeded", state.State);

        // Nothing was written into the image's own files; state lives in the data folders.
        Assert.Equal(appBefore, Snapshot(app));
        Assert.True(File.Exists(Path.Combine(serverData, "baton.db")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(serverData, "master.key")));
        Assert.NotEmpty(Directory.GetFileSystemEntries(agentData));
        if (Environment.UserName == "root")
        {
            Assert.Equal(ImageUid, Owner(Path.Combine(serverData, "baton.db")));
            Assert.Equal(ImageUid, Owner(Path.Combine(serverData, "master.key")));
        }
        output.WriteLine($"published output: {Directory.GetFiles(app, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length) / 1_048_576} MB (all runtimes; the image publishes for one)");
    }

    /// <summary>The stage's entrypoint + command with the image's paths mapped onto this test's folders, as its user, with only its environment.</summary>
    private List<string> Start(DockerfileStage stage, string app, string data, string tmp, int port, string url, Dictionary<string, string> extraEnv)
    {
        string Map(string arg) => arg
            .Replace("/app/", app + "/", StringComparison.Ordinal)
            .Replace("/var/lib/baton", data, StringComparison.Ordinal)
            .Replace("http://baton:8080", url, StringComparison.Ordinal)
            .Replace("8080", port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        var args = stage.Entrypoint.Concat(stage.Command).Select(Map).ToList();
        var asRoot = Environment.UserName == "root";
        var info = new ProcessStartInfo(asRoot ? "setpriv" : args[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = data,
        };
        if (asRoot) foreach (var arg in (string[])["--reuid", $"{ImageUid}", "--regid", $"{ImageUid}", "--clear-groups", "--", .. args]) info.ArgumentList.Add(arg);
        else foreach (var arg in args.Skip(1)) info.ArgumentList.Add(arg);
        info.Environment.Clear();
        info.Environment["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        foreach (var (key, value) in stage.Environment) info.Environment[key] = value == "/tmp" ? tmp : Map(value);
        foreach (var (key, value) in extraEnv) info.Environment[key] = value;
        var lines = new List<string>();
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (lines) lines.Add(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (lines) lines.Add(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes.Add(process);
        return lines;
    }

    private static async Task WaitForLineAsync(List<string> lines, string text, TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < within)
        {
            lock (lines)
            {
                if (lines.Any(l => l.Contains(text, StringComparison.Ordinal))) return;
            }
            await Task.Delay(100);
        }
        lock (lines) throw new TimeoutException($"No '{text}' within {within}:\n{string.Join('\n', lines)}");
    }

    private string Folder(string name)
    {
        var path = Path.Combine(_root, name);
        Directory.CreateDirectory(path);
        File.SetUnixFileMode(_root, (UnixFileMode)Convert.ToInt32("755", 8));
        if (Environment.UserName == "root") Chown(path, ImageUid);
        return path;
    }

    private static void MakeReadOnly(string folder)
    {
        foreach (var file in Directory.GetFiles(folder, "*", SearchOption.AllDirectories)) File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        foreach (var dir in Directory.GetDirectories(folder, "*", SearchOption.AllDirectories).Append(folder))
            File.SetUnixFileMode(dir, (UnixFileMode)Convert.ToInt32("555", 8));
    }

    private static void MakeWritable(string folder)
    {
        foreach (var dir in Directory.GetDirectories(folder, "*", SearchOption.AllDirectories).Append(folder))
            File.SetUnixFileMode(dir, (UnixFileMode)Convert.ToInt32("755", 8) | UnixFileMode.UserWrite);
    }

    private static string Snapshot(string folder) => string.Join('\n', Directory.GetFileSystemEntries(folder, "*", SearchOption.AllDirectories)
        .Order(StringComparer.Ordinal).Select(p => $"{p} {(File.Exists(p) ? new FileInfo(p).Length : -1)} {File.GetLastWriteTimeUtc(p).Ticks}"));

    private static void Chown(string path, int uid)
    {
        using var chown = Process.Start("chown", [$"{uid}:{uid}", path]);
        chown.WaitForExit();
        if (chown.ExitCode != 0) throw new InvalidOperationException($"chown {path} failed");
    }

    private static int Owner(string path)
    {
        using var stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%u", path]) { RedirectStandardOutput = true })!;
        var text = stat.StandardOutput.ReadToEnd();
        stat.WaitForExit();
        return int.Parse(text.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<(int ExitCode, string Output)> RunToEndAsync(string program, IReadOnlyList<string> args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
