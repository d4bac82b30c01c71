using System.Diagnostics;
using System.Text.Json;
using Baton.Agent.Jobs;
using Baton.Agent.Python;
using Baton.Agent.Python.Warm;
using Baton.Agent.Tests.Support;
using Baton.Core.Jobs;
using Microsoft.Extensions.Logging.Abstractions;

namespace Baton.Agent.Tests.Python;

/// <summary>
/// The runner tests measure the process's allocations (an endless line must not be held): alone, after the parallel
/// tests, so no other test's allocations are counted.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationMeasured
{
    public const string Name = "Allocations measured";
}

/// <summary>The contract of running a job, on the cold path (a new interpreter) and the warm one (a fork).</summary>
[Collection(AllocationMeasured.Name)]
public sealed class ColdPythonJobRunnerTests : PythonJobRunnerTests
{
    protected override WarmInterpreterPool? CreatePool(string runtime) => null;
}

[Collection(AllocationMeasured.Name)]
public sealed class WarmPythonJobRunnerTests : PythonJobRunnerTests
{
    protected override WarmInterpreterPool? CreatePool(string runtime) =>
        new(runtime, new WarmInterpreterOptions(), TimeProvider.System, NullLogger.Instance);
}

public abstract partial class PythonJobRunnerTests : IAsyncLifetime
{
    private readonly TempDirectory _temp = new();
    private string _runtime = "";
    private WarmInterpreterPool? _pool;

    protected abstract WarmInterpreterPool? CreatePool(string runtime);

    public async Task InitializeAsync()
    {
        _runtime = await RuntimeFiles.WriteAsync(_temp.Combine("runtime"), CancellationToken.None);
        _pool = CreatePool(_runtime);
    }

    public async Task DisposeAsync()
    {
        if (_pool is not null)
            await _pool.DisposeAsync();
        _temp.Dispose();
    }

    private async Task<(PythonJobResult Result, JobLog Log, JobControl Control)> RunAsync(
        string packageDirectory, string entrypoint, string inputsJson = "{}", TimeSpan? timeout = null, Action<JobControl>? whileRunning = null,
        Func<JobLog, IJobRequests>? requests = null, Func<JobControl, IReadOnlyDictionary<string, string>>? environment = null)
    {
        var log = new JobLog(TimeProvider.System);
        var control = new JobControl("job-1", 1);
        control.Requests = requests?.Invoke(log);
        var runner = new PythonJobRunner(TimeProvider.System, TimeSpan.FromSeconds(2), NullLogger.Instance, _pool);
        using var inputs = JsonDocument.Parse(inputsJson);
        var spec = new PythonJobSpec("job-1", 1, TestPaths.SystemPython, _runtime, packageDirectory,
            _temp.Combine("work", Guid.NewGuid().ToString("N")), entrypoint, inputs.RootElement.Clone(), timeout, Environment: environment?.Invoke(control));
        Directory.CreateDirectory(spec.WorkDirectory);
        var forksBefore = _pool?.Interpreters.Sum(i => i.Forks) ?? 0;
        var run = runner.RunAsync(spec, log, control);
        whileRunning?.Invoke(control);
        var result = await run;
        // The warm variant must really have forked (not fallen back to a new interpreter).
        if (_pool is not null)
            Assert.True(_pool.Interpreters.Sum(i => i.Forks) > forksBefore, "the job was not forked from a warm interpreter: " + log.Tail("setup"));
        Assert.Empty(log.Tail("setup"));
        return (result, log, control);
    }

    private static IReadOnlyList<string> Lines(JobLog log, string stream) =>
        log.PeekBatch(int.MaxValue).Where(l => l.Stream == stream).Select(l => l.Text).ToList();

    [Fact]
    public async Task An_endless_line_is_cut_as_it_streams_and_the_agent_does_not_hold_it()
    {
        // 48 Mi characters without a newline: read whole, the line alone would take ~100 MB of strings and
        // twice that while a StringBuilder grows; read in bounded chunks it costs a few buffers.
        _temp.WriteFile("flood/job.py", "import sys\ndef main():\n    chunk = 'x' * 65536\n    for _ in range(768):\n        sys.stdout.write(chunk)\n    sys.stdout.write('\\ndone\\n')\n");
        GC.Collect();
        var before = GC.GetTotalAllocatedBytes(precise: true);

        var (result, log, _) = await RunAsync(_temp.Combine("flood"), "job:main", timeout: TimeSpan.FromMinutes(2));

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.Equal(JobOutcome.Succeeded, result.Outcome);
        Assert.True(allocated < 64L * 1024 * 1024, $"reading the line allocated {allocated / (1024 * 1024)} MiB");
        var stdout = Lines(log, "stdout");
        Assert.Equal(2, stdout.Count);
        Assert.True(stdout[0].Length <= JobLog.MaxLineChars + 100, $"the cut line has {stdout[0].Length} characters");
        Assert.EndsWith("[line cut at 16,384 characters]", stdout[0], StringComparison.Ordinal);
        Assert.Equal("done", stdout[1]);
    }

    [Fact]
    public async Task Hello_sample_succeeds_with_its_greeting_and_logs_stdout()
    {
        var (result, log, _) = await RunAsync(TestPaths.Sample("hello"), "hello:main", """{"name":"Ada"}""");

        Assert.Equal(JobOutcome.Succeeded, result.Outcome);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("Hello, Ada!", result.Result!.Value.GetProperty("greeting").GetString());
        Assert.Contains("Hello, Ada!", Lines(log, "stdout"));
        var lines = log.PeekBatch(int.MaxValue);
        Assert.Equal(Enumerable.Range(1, lines.Count).Select(i => (long)i), lines.Select(l => l.Line));
    }

    [Fact]
    public async Task Function_gets_only_the_inputs_it_accepts_and_a_none_return_gives_a_null_result()
    {
        var package = _temp.Combine("pkg");
        _temp.WriteFile("pkg/job.py", "def main(a, b=2):\n    print('sum', a + b)\n");

        var (result, log, _) = await RunAsync(package, "job:main", """{"a":40,"b":2,"unused":true}""");

        Assert.Equal(JobOutcome.Succeeded, result.Outcome);
        Assert.Null(result.Result);
        Assert.Contains("sum 42", Lines(log, "stdout"));
    }

    [Fact]
    public async Task Fail_sample_fails_with_the_traceback_as_error()
    {
        var (result, log, _) = await RunAsync(TestPaths.Sample("fail"), "fail:main");

        Assert.Equal(JobOutcome.Failed, result.Outcome);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("RuntimeError: this automation fails on purpose", result.Error);
        Assert.Contains("Traceback (most recent call last):", result.Error);
        Assert.Contains("about to fail", Lines(log, "stdout"));
        Assert.Contains(Lines(log, "stderr"), l => l.Contains("RuntimeError", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Script_entrypoint_runs_as_main_and_its_exit_code_passes_through()
    {
        var package = _temp.Combine("pkg");
        _temp.WriteFile("pkg/tool.py", "import sys, baton\nif __name__ == '__main__':\n    print('script', baton.input('x'))\n    sys.exit(3)\n");

        var (result, log, _) = await RunAsync(package, "tool.py", """{"x":"y"}""");

        Assert.Equal(JobOutcome.Failed, result.Outcome);
        Assert.Equal(3, result.ExitCode);
        Assert.Contains("script y", Lines(log, "stdout"));
    }

    [Fact]
    public async Task Set_result_wins_over_return_value_and_progress_is_reported()
    {
        var package = _temp.Combine("pkg");
        _temp.WriteFile("pkg/job.py", "import baton\ndef main():\n    baton.progress(42, 'almost')\n    baton.set_result({'explicit': 1})\n    return {'ignored': 2}\n");

        var (result, _, control) = await RunAsync(package, "job:main");

        Assert.Equal(JobOutcome.Succeeded, result.Outcome);
        Assert.Equal(1, result.Result!.Value.GetProperty("explicit").GetInt32());
        Assert.Equal(42, control.Progress!.Percent);
        Assert.Equal("almost", control.Progress.Message);
    }

    [Fact]
    public async Task Result_over_one_mebibyte_fails_with_a_clear_error()
    {
        var package = _temp.Combine("pkg");
        _temp.WriteFile("pkg/job.py", "def main():\n    return {'big': 'x' * (1024 * 1024 + 10)}\n");

        var (result, _, _) = await RunAsync(package, "job:main");

        Assert.Equal(JobOutcome.Failed, result.Outcome);
        Assert.Contains("limit", result.Error);
    }

    [Fact]
    public async Task Timeout_kills_the_whole_process_group_including_children()
    {
        var package = _temp.Combine("pkg");
        var pids = _temp.Combine("pids.txt");
        _temp.WriteFile("pkg/job.py", $$"""
            import os, subprocess, time
            def main():
                child = subprocess.Popen(['sleep', '300'])
                with open({{JsonSerializer.Serialize(pids)}}, 'w') as f:
                    f.write('%d %d' % (os.getpid(), child.pid))
                print('started child', flush=True)
                time.sleep(300)
            """);

        var watch = Stopwatch.StartNew();
        var (result, _, _) = await RunAsync(package, "job:main", timeout: TimeSpan.FromSeconds(2));

        Assert.Equal(JobOutcome.TimedOut, result.Outcome);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"took {watch.Elapsed}");
        var ids = File.ReadAllText(pids).Split(' ').Select(int.Parse).ToList();
        await FakeServerState.WaitUntilAsync(() => ids.All(id => !IsAlive(id)), TimeSpan.FromSeconds(5), "the job's processes to be gone");
    }

    [Fact]
    public async Task Ignoring_sigterm_gets_sigkill_after_the_grace_period()
    {
        var package = _temp.Combine("pkg");
        _temp.WriteFile("pkg/job.py", "import signal, time\ndef main():\n    signal.signal(signal.SIGTERM, signal.SIG_IGN)\n    print('ignoring', flush=True)\n    time.sleep(300)\n");

        var watch = Stopwatch.StartNew();
        var (result, _, _) = await RunAsync(package, "job:main", timeout: TimeSpan.FromSeconds(1));

        Assert.Equal(JobOutcome.TimedOut, result.Outcome);
        Assert.Equal(137, result.ExitCode);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task Cancel_terminates_the_sleep_sample_and_reports_cancelled()
    {
        var watch = Stopwatch.StartNew();
        var (result, log, control) = await RunAsync(TestPaths.Sample("sleep"), "sleep:main", """{"seconds":60}""", whileRunning: control =>
            _ = Task.Run(async () =>
            {
                await FakeServerState.WaitUntilAsync(() => control.Progress is not null, TimeSpan.FromSeconds(10), "progress");
                control.RequestStop(JobStopReason.Cancel);
            }));

        Assert.Equal(JobOutcome.Cancelled, result.Outcome);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"took {watch.Elapsed}");
        Assert.Contains(Lines(log, "stdout"), line => line.StartsWith("sleeping for 60.0 seconds (pid ", StringComparison.Ordinal));
        Assert.Equal(JobStopReason.Cancel, control.StopReason);
    }

    [Fact]
    public async Task Large_output_is_kept_in_order_and_long_lines_are_truncated()
    {
        var package = _temp.Combine("pkg");
        _temp.WriteFile("pkg/job.py", "def main():\n    for i in range(5000):\n        print('line', i)\n    print('y' * 40000)\n");

        var (result, log, _) = await RunAsync(package, "job:main");

        Assert.Equal(JobOutcome.Succeeded, result.Outcome);
        var stdout = Lines(log, "stdout");
        Assert.Equal(5001, stdout.Count);
        Assert.Equal("line 4999", stdout[4999]);
        Assert.True(stdout[5000].Length <= JobLog.MaxLineChars + 40);
        Assert.EndsWith("[line cut at 16,384 characters]", stdout[5000]);
    }

    [Fact]
    public async Task The_runtime_is_compiled_to_byte_code_once()
    {
        await RunAsync(TestPaths.Sample("hello"), "hello:main");
        var cache = Path.Combine(_runtime, "baton", "__pycache__");
        var compiled = Directory.GetFiles(cache, "_runner.*.pyc").Concat(Directory.GetFiles(cache, "__init__.*.pyc")).ToList();
        Assert.Equal(2, compiled.Count);
        var written = compiled.Select(File.GetLastWriteTimeUtc).ToList();

        await RunAsync(TestPaths.Sample("hello"), "hello:main");

        Assert.Equal(written, compiled.Select(File.GetLastWriteTimeUtc));
    }

    [Fact]
    public async Task Children_a_job_leaves_running_end_with_it()
    {
        var package = _temp.Combine("pkg");
        var pids = _temp.Combine("pids.txt");
        _temp.WriteFile("pkg/job.py", $$"""
            import subprocess
            def main():
                child = subprocess.Popen(['sleep', '300'])
                with open({{JsonSerializer.Serialize(pids)}}, 'w') as f:
                    f.write(str(child.pid))
            """);

        var (result, _, _) = await RunAsync(package, "job:main");

        Assert.Equal(JobOutcome.Succeeded, result.Outcome);
        var child = int.Parse(File.ReadAllText(pids), System.Globalization.CultureInfo.InvariantCulture);
        await FakeServerState.WaitUntilAsync(() => !IsAlive(child), TimeSpan.FromSeconds(5), "the left-behind child to be killed");
    }

    internal static bool IsAlive(int pid)
    {
        // A zombie still has a /proc entry; its state letter is Z.
        var stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat))
            return false;
        try
        {
            var text = File.ReadAllText(stat);
            return text[(text.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
