using System.Diagnostics;
using System.Globalization;
using Baton.Agent.Python.Warm;
using Baton.Agent.Tests.Support;
using Baton.Core.Jobs;

namespace Baton.Agent.Tests.Python.Warm;

/// <summary>
/// The spare child a warm interpreter forks ahead of the next job: it is ready after each job, the
/// next job runs in it, it knows nothing of earlier jobs, and it never outlives its warm process.
/// </summary>
public sealed class WarmSpareTests
{
    private const string Pids = """
        import os, time

        def main(sleep=0):
            time.sleep(sleep)
            return {"pid": os.getpid(), "ppid": os.getppid(), "sid": os.getsid(0)}
        """;

    /// <summary>What of the warm process's serving loop and of other jobs a job can reach from Python.</summary>
    private const string Traces = """
        import gc, os, sys

        def main(reversed_marker=""):
            marker = reversed_marker[::-1]
            frames = []
            frame = sys._getframe()
            while frame is not None:
                frames.append(frame.f_code.co_name)
                frame = frame.f_back
            hits = 0
            for obj in gc.get_objects():
                if isinstance(obj, dict):
                    items = list(obj.keys()) + list(obj.values())
                elif isinstance(obj, (list, tuple)):
                    items = list(obj)
                else:
                    continue
                for item in items:
                    if isinstance(item, bytes):
                        item = item.decode("utf-8", "replace")
                    if isinstance(item, str) and marker and marker in item:
                        hits += 1
            return {"frames": frames, "hits": hits, "cwd": os.getcwd(), "pid": os.getpid()}
        """;

    [Fact]
    public async Task A_spare_waits_after_each_job_in_its_own_session_and_the_next_job_runs_in_it()
    {
        await using var harness = await WarmHarness.StartAsync();
        var package = harness.Package("pkg", ("pids.py", Pids));
        var first = await harness.RunAsync(package, "pids:main");
        Assert.Equal(JobOutcome.Succeeded, first.Result.Outcome);
        var interpreter = Assert.Single(harness.Pool.Interpreters);

        var spare = await SpareOfAsync(interpreter);
        Assert.True(PythonJobRunnerTests.IsAlive(spare));
        Assert.Equal(interpreter.Pid, ParentAndSession(spare).Parent);
        // It leaves the warm process's session right after the fork, before any job.
        await FakeServerState.WaitUntilAsync(() => ParentAndSession(spare).Session == spare, TimeSpan.FromSeconds(10), "the spare's own session");

        var next = await harness.RunAsync(package, "pids:main");
        Assert.Equal(JobOutcome.Succeeded, next.Result.Outcome);
        var job = next.Result.Result!.Value;
        Assert.Equal(spare, job.GetProperty("pid").GetInt32());
        Assert.Equal(spare, job.GetProperty("sid").GetInt32());
        Assert.Equal(interpreter.Pid, job.GetProperty("ppid").GetInt32());
        var after = await SpareOfAsync(interpreter);
        Assert.NotEqual(spare, after);
    }

    [Fact]
    public async Task A_spare_carries_nothing_of_the_jobs_before_it()
    {
        await using var harness = await WarmHarness.StartAsync();
        var package = harness.Package("pkg", ("traces.py", Traces));
        var first = await harness.RunAsync(package, "traces:main");
        Assert.Equal(JobOutcome.Succeeded, first.Result.Outcome);
        var spare = await SpareOfAsync(Assert.Single(harness.Pool.Interpreters));

        // The first job's work folder was in its fork request; the next job looks for it everywhere it can.
        var marker = new string([.. first.Spec.WorkDirectory.Reverse()]);
        var next = await harness.RunAsync(package, "traces:main", $$"""{"reversed_marker":"{{marker}}"}""");
        Assert.True(next.Result.Outcome == JobOutcome.Succeeded, next.Result.Error);
        var result = next.Result.Result!.Value;
        Assert.Equal(spare, result.GetProperty("pid").GetInt32());
        Assert.Equal(0, result.GetProperty("hits").GetInt32());
        var frames = result.GetProperty("frames").EnumerateArray().Select(f => f.GetString()).ToList();
        Assert.DoesNotContain("_serve", frames);
        Assert.DoesNotContain("_hand_to_spare", frames);
        Assert.Equal(next.Spec.WorkDirectory, result.GetProperty("cwd").GetString());
    }

    [Fact]
    public async Task A_killed_warm_interpreter_takes_its_spare_with_it()
    {
        await using var harness = await WarmHarness.StartAsync();
        var package = harness.Package("pkg", ("pids.py", Pids));
        Assert.Equal(JobOutcome.Succeeded, (await harness.RunAsync(package, "pids:main")).Result.Outcome);
        var interpreter = Assert.Single(harness.Pool.Interpreters);
        var spare = await SpareOfAsync(interpreter);
        var warmPid = interpreter.Pid;

        Process.GetProcessById(warmPid).Kill();

        await FakeServerState.WaitUntilAsync(() => !PythonJobRunnerTests.IsAlive(spare), TimeSpan.FromSeconds(10), "the spare to die with its warm process");
        var next = await harness.RunAsync(package, "pids:main");
        Assert.Equal(JobOutcome.Succeeded, next.Result.Outcome);
        Assert.NotEqual(warmPid, next.Result.Result!.Value.GetProperty("ppid").GetInt32());
    }

    [Fact]
    public async Task A_retired_warm_interpreter_kills_its_spare_and_exits()
    {
        await using var harness = await WarmHarness.StartAsync(new WarmInterpreterOptions { MaxForks = 2 });
        var package = harness.Package("pkg", ("pids.py", Pids));
        Assert.Equal(JobOutcome.Succeeded, (await harness.RunAsync(package, "pids:main")).Result.Outcome);
        var interpreter = Assert.Single(harness.Pool.Interpreters);
        var spare = await SpareOfAsync(interpreter);
        var warmPid = interpreter.Pid;

        // The second fork reaches the limit: the interpreter is retired with the spare it forked after that job.
        Assert.Equal(JobOutcome.Succeeded, (await harness.RunAsync(package, "pids:main")).Result.Outcome);
        await FakeServerState.WaitUntilAsync(() => !PythonJobRunnerTests.IsAlive(warmPid), TimeSpan.FromSeconds(10), "the retired interpreter to exit");
        var last = interpreter.SparePid;
        Assert.False(PythonJobRunnerTests.IsAlive(spare));
        Assert.True(last == 0 || !PythonJobRunnerTests.IsAlive(last), $"spare {last} outlived its retired interpreter");
    }

    [Fact]
    public async Task A_spare_killed_before_its_job_is_replaced_and_the_job_still_runs_warm()
    {
        await using var harness = await WarmHarness.StartAsync();
        var package = harness.Package("pkg", ("pids.py", Pids));
        Assert.Equal(JobOutcome.Succeeded, (await harness.RunAsync(package, "pids:main")).Result.Outcome);
        var interpreter = Assert.Single(harness.Pool.Interpreters);
        var spare = await SpareOfAsync(interpreter);

        Process.GetProcessById(spare).Kill();
        await FakeServerState.WaitUntilAsync(() => !PythonJobRunnerTests.IsAlive(spare), TimeSpan.FromSeconds(10), "the spare to die");

        var next = await harness.RunAsync(package, "pids:main");
        Assert.True(next.Result.Outcome == JobOutcome.Succeeded, next.Result.Error);
        Assert.Equal(interpreter.Pid, next.Result.Result!.Value.GetProperty("ppid").GetInt32());
        Assert.Same(interpreter, Assert.Single(harness.Pool.Interpreters));
    }

    private static async Task<int> SpareOfAsync(WarmInterpreter interpreter)
    {
        await FakeServerState.WaitUntilAsync(() => interpreter.SparePid != 0, TimeSpan.FromSeconds(10), "a spare to wait for the next job");
        return interpreter.SparePid;
    }

    /// <summary>The parent pid and session id of a process, from /proc/pid/stat.</summary>
    private static (int Parent, int Session) ParentAndSession(int pid)
    {
        var text = File.ReadAllText($"/proc/{pid}/stat");
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        // After the command: state, ppid, pgrp, session.
        return (int.Parse(fields[1], CultureInfo.InvariantCulture), int.Parse(fields[3], CultureInfo.InvariantCulture));
    }
}
