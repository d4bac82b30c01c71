using System.Diagnostics;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;
using Baton.Bench.Hosting;
using Baton.Bench.Metrics;
using Baton.Core.Api;
using Baton.Core.Jobs;

namespace Baton.Bench.Scenarios;

/// <summary>
/// One real agent process (8 slots) running real Python against the server: how soon a job's function
/// runs after its submission when the agent is idle (measured inside the job: the function returns
/// <c>time.time()</c>), how many one-function jobs a second it gets through in a burst, forked from a
/// warm interpreter and with <c>isolation: fresh</c>, and what each job costs the agent, Python and the server in CPU.
/// </summary>
public sealed class PythonScenario : IBenchScenario
{
    public const string WarmPackage = "bench-python";
    public const string FreshPackage = "bench-python-fresh";
    private const int Slots = 8;
    private const int Submitters = 16;
    private static readonly TimeSpan JobDeadline = TimeSpan.FromSeconds(60);

    public string Name => "python";

    public string Description => "A real agent (8 slots) running real Python: idle submit→function start, warm and fresh burst jobs/s, CPU per job.";

    public async Task<BenchResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var settings = context.Settings;
        var idleSamples = settings.Quick ? 20 : 200;
        var burst = settings.JobsOr(2_000, 200);
        var coldBurst = Math.Max(10, burst / 4);
        var cli = context.Cli ?? throw new InvalidOperationException("The python scenario starts a real agent with the baton CLI, which is unknown here.");

        await UploadAsync(context, Package(WarmPackage, isolation: null), cancellationToken);
        await UploadAsync(context, Package(FreshPackage, isolation: "fresh"), cancellationToken);
        context.Progress($"starting a real agent with {Slots} slots");
        await using var agent = AgentProcess.Start(cli, context.Target.BaseAddress, context.Tenant.EnrollmentToken, Slots, "bench-python");
        try
        {
            await WaitForAgentAsync(context, agent, cancellationToken);

            // Unmeasured: the agent and server compile their hot paths, the warm interpreter starts, packages download.
            context.Progress("warming up (unmeasured)");
            await BurstAsync(context, WarmPackage, 4 * Slots, cancellationToken);
            await BurstAsync(context, FreshPackage, Slots, cancellationToken);

            context.Progress($"idle start: {idleSamples} jobs one at a time");
            var idleStart = new LatencyRecorder();
            var idleDispatch = new LatencyRecorder();
            var errors = 0;
            for (var i = 0; i < idleSamples; i++)
            {
                // Let the agent settle into its long-poll, as an idle agent would be.
                await Task.Delay(TimeSpan.FromMilliseconds(150), cancellationToken);
                var submitted = context.Time.GetUtcNow();
                var job = await SubmitAsync(context, WarmPackage, cancellationToken);
                var ended = await WaitForEndAsync(context, job.Id, cancellationToken);
                if (ended.State != "succeeded" || ended.Result is not { } stamp || !stamp.TryGetProperty("t", out var t))
                {
                    errors++;
                    continue;
                }
                idleStart.Record(t.GetDouble() * 1000 - (submitted - DateTimeOffset.UnixEpoch).TotalMilliseconds);
                if (ended.StartedAt is { } started) idleDispatch.Record((started - submitted).TotalMilliseconds);
            }

            var cliRuns = settings.Quick ? 3 : 20;
            var runCli = UserCli(cli);
            context.Progress($"baton job run --wait: {cliRuns} runs of the CLI ({runCli.FileName})");
            var cliWait = new LatencyRecorder();
            for (var i = 0; i < cliRuns; i++)
                cliWait.Record(await CliRunWaitAsync(runCli, context, cancellationToken));

            context.Progress($"warm burst: {burst} jobs");
            var warm = await MeasuredBurstAsync(context, agent, WarmPackage, burst, cancellationToken);
            context.Progress($"fresh burst: {coldBurst} jobs (isolation: fresh)");
            var fresh = await MeasuredBurstAsync(context, agent, FreshPackage, coldBurst, cancellationToken);

            var result = new BenchResult(Name, context.Target.Backend)
                .Add("idle_start_ms", idleStart.Summarise())
                .Add("idle_submit_to_started_ms", idleDispatch.Summarise())
                .Add("cli_run_wait_ms", cliWait.Summarise())
                .Add("burst_jobs_per_s", warm.JobsPerSecond)
                .Add("cold_burst_jobs_per_s", fresh.JobsPerSecond);
            if (ProcessTreeCpu.IsSupported)
            {
                result.Add("agent_cpu_ms_per_job", warm.AgentCpuMsPerJob)
                    .Add("python_cpu_ms_per_job", warm.PythonCpuMsPerJob)
                    .Add("cold_agent_cpu_ms_per_job", fresh.AgentCpuMsPerJob)
                    .Add("cold_python_cpu_ms_per_job", fresh.PythonCpuMsPerJob);
            }
            if (warm.ServerCpuMsPerJob is { } serverCpu) result.Add("server_cpu_ms_per_job", serverCpu);
            result.Add("errors", errors + warm.Failed + fresh.Failed)
                .Note($"One `baton agent` process with {Slots} slots on this machine, real Python ({WarmPackage}: a function that returns time.time()).")
                .Note($"idle_start_ms: client submit → the job's function running (its time.time()), {idleSamples} jobs one at a time with the agent idle in between; " +
                      "idle_submit_to_started_ms: client submit → the server's startedAt (the agent's start call).")
                .Note($"cli_run_wait_ms: `baton job run {WarmPackage} --wait` as a new CLI process, start to exit, {cliRuns} runs (the CLI's own start included); " +
                      (ReferenceEquals(runCli, cli) ? "the CLI was baton.dll (no native CLI: BATON_NATIVE_CLI unset)." : $"the CLI was the native one ({runCli.FileName}), as ./baton runs it."))
                .Note($"burst_jobs_per_s: {burst} jobs submitted at once by {Submitters} clients, first submit → none pending or active; " +
                      $"cold_burst_jobs_per_s: the same with {coldBurst} jobs of a package with isolation: fresh.")
                .Note("agent_cpu_ms_per_job: the agent process (.NET) alone; python_cpu_ms_per_job: its warm interpreters and job processes; " +
                      "server_cpu_ms_per_job: the server process; all over the warm burst (cold_*: the fresh burst).");
            if (context.Target.IsRemote) result.Note("Remote server: the agent and the clock are this machine's; server CPU is not measured.");
            return result;
        }
        catch (Exception ex) when (agent.HasExited && ex is not OperationCanceledException)
        {
            throw new InvalidOperationException($"The benchmark agent (pid {agent.ProcessId}) {agent.Describe()}", ex);
        }
    }

    private sealed record BurstFigures(double JobsPerSecond, int Failed, double AgentCpuMsPerJob, double PythonCpuMsPerJob, double? ServerCpuMsPerJob);

    private static async Task<BurstFigures> MeasuredBurstAsync(
        BenchContext context, AgentProcess agent, string package, int jobs, CancellationToken cancellationToken)
    {
        var server = context.Target.IsRemote || context.Target.InProcess || context.Target.ServerProcessId is not { } serverPid
            ? null
            : Process.GetProcessById(serverPid);
        using (server)
        {
            var agentBefore = ProcessTreeCpu.Read(agent.ProcessId);
            var serverBefore = server?.TotalProcessorTime;
            var (seconds, failed) = await BurstAsync(context, package, jobs, cancellationToken);
            var agentCpu = ProcessTreeCpu.Read(agent.ProcessId) - agentBefore;
            server?.Refresh();
            double? serverCpu = server is null ? null : (server.TotalProcessorTime - serverBefore!.Value).TotalMilliseconds / jobs;
            return new BurstFigures(seconds > 0 ? jobs / seconds : 0, failed, agentCpu.Own.TotalMilliseconds / jobs, agentCpu.Descendants.TotalMilliseconds / jobs, serverCpu);
        }
    }

    /// <summary>Submits <paramref name="jobs"/> jobs at once; returns the seconds from the first submit until none is pending or active, and how many did not succeed.</summary>
    private static async Task<(double Seconds, int Failed)> BurstAsync(BenchContext context, string package, int jobs, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var next = 0;
        await Task.WhenAll(Enumerable.Range(0, Submitters).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) <= jobs) await SubmitAsync(context, package, cancellationToken);
        }, cancellationToken)));

        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * (long)(JobDeadline.TotalSeconds + jobs / 5.0);
        while (true)
        {
            var usage = await context.Tenant.GetUsageAsync(cancellationToken);
            if (usage.PendingJobs == 0 && usage.ConcurrentJobs == 0) break;
            if (Stopwatch.GetTimestamp() > deadline)
                throw new TimeoutException($"{usage.PendingJobs} jobs still pending and {usage.ConcurrentJobs} active after the burst's deadline.");
            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
        }
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return (seconds, await CountNotSucceededAsync(context, package, cancellationToken));
    }

    private static async Task<int> CountNotSucceededAsync(BenchContext context, string package, CancellationToken cancellationToken)
    {
        var count = 0;
        foreach (var state in new[] { "failed", "timed_out", "cancelled" })
        {
            var page = await BenchTenant.ReadAsync<ListResponse<JobDto>>(
                await context.Tenant.Api.GetAsync($"/api/v1/jobs?state={state}&package={package}&limit=100", cancellationToken), "list unfinished jobs", cancellationToken);
            count += page.Items.Count;
        }
        return count;
    }

    private static async Task<JobDto> SubmitAsync(BenchContext context, string package, CancellationToken cancellationToken) =>
        await BenchTenant.ReadAsync<JobDto>(await context.Tenant.SubmitAsync(package, cancellationToken), $"submit a {package} job", cancellationToken);

    private static async Task<JobDto> WaitForEndAsync(BenchContext context, string jobId, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * (long)JobDeadline.TotalSeconds;
        while (true)
        {
            var job = await BenchTenant.ReadAsync<JobDto>(await context.Tenant.Api.GetAsync($"/api/v1/jobs/{jobId}", cancellationToken), "read a job", cancellationToken);
            if (JobStates.TryParse(job.State, out var state) && state.IsTerminal()) return job;
            if (Stopwatch.GetTimestamp() > deadline) throw new TimeoutException($"Job {jobId} is still {job.State} after {JobDeadline.TotalSeconds:0} s.");
            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
        }
    }

    /// <summary>
    /// The CLI a user's <c>./baton job run</c> starts: the native CLI where <c>./baton</c> built it (it exports
    /// <c>BATON_NATIVE_CLI</c>), else <paramref name="cli"/> (baton.dll).
    /// </summary>
    private static ServerCommandLine UserCli(ServerCommandLine cli) =>
        Environment.GetEnvironmentVariable("BATON_NATIVE_CLI") is { Length: > 0 } native && File.Exists(native) ? new ServerCommandLine(native, []) : cli;

    /// <summary>Runs <c>baton job run PACKAGE --wait</c> as a user would; the milliseconds from its start to its exit.</summary>
    private static async Task<double> CliRunWaitAsync(ServerCommandLine cli, BenchContext context, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(cli.FileName) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in cli.LeadingArguments) info.ArgumentList.Add(argument);
        foreach (var argument in (string[])["job", "run", WarmPackage, "--wait", "--server", context.Target.BaseAddress.AbsoluteUri, "--key", context.Tenant.ApiKey])
            info.ArgumentList.Add(argument);
        info.Environment["DOTNET_NOLOGO"] = "1";
        var started = Stopwatch.GetTimestamp();
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start '{cli.FileName}'.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(JobDeadline);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"baton job run --wait did not exit within {JobDeadline.TotalSeconds:0} s.");
        }
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"baton job run --wait exited with {process.ExitCode}: {await error}{await output}");
        return elapsed;
    }

    private static async Task WaitForAgentAsync(BenchContext context, AgentProcess agent, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 90;
        while ((await context.Tenant.GetUsageAsync(cancellationToken)).Agents < 1)
        {
            if (agent.HasExited) throw new InvalidOperationException($"The benchmark agent (pid {agent.ProcessId}) {agent.Describe()}");
            if (Stopwatch.GetTimestamp() > deadline) throw new TimeoutException($"The benchmark agent did not come online within 90 s; {agent.Describe()}");
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }
    }

    private static async Task UploadAsync(BenchContext context, byte[] zip, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(zip);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        await BenchTenant.ReadAsync<PackageUploadResponse>(await context.Tenant.Api.PostAsync("/api/v1/packages", content, cancellationToken), "upload a python bench package", cancellationToken);
    }

    /// <summary>A package whose one function returns the time it started running (time.time(), seconds since the epoch).</summary>
    public static byte[] Package(string name, string? isolation)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            var manifest = $"name: {name}\nversion: 1.0.0\nentrypoint: stamp:main\ntimeout: 60s\n" + (isolation is null ? "" : $"isolation: {isolation}\n");
            Write(zip, "baton.yaml", manifest);
            Write(zip, "stamp.py", "import time\n\n\ndef main():\n    return {\"t\": time.time()}\n");
        }
        return buffer.ToArray();
    }

    private static void Write(ZipArchive zip, string name, string text)
    {
        using var stream = zip.CreateEntry(name).Open();
        stream.Write(Encoding.UTF8.GetBytes(text));
    }
}
