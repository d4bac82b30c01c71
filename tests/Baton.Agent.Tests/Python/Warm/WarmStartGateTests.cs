using System.Text.Json;
using Baton.Agent.Jobs;
using Baton.Agent.Protocol;
using Baton.Agent.Python;
using Baton.Agent.Tests.Support;
using Baton.Core.Jobs;
using Baton.Core.Packages;

namespace Baton.Agent.Tests.Python.Warm;

/// <summary>
/// A job whose start the server is still recording (<see cref="PythonJobSpec.Started"/>): forked and made ready
/// meanwhile, its own code (the package's import) runs only once the start is in; a failed start kills it unrun.
/// </summary>
public sealed class WarmStartGateTests
{
    private static string Marked(string marker) => $$"""
        open({{JsonSerializer.Serialize(marker)}}, 'w').close()

        def main():
            import os
            return {"pid": os.getpid()}
        """;

    private static PythonJobSpec Spec(WarmHarness harness, string package, Task started, JobIsolation isolation = JobIsolation.Warm)
    {
        var work = harness.Temp.Combine("work", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        using var inputs = JsonDocument.Parse("{}");
        return new PythonJobSpec("job", 1, TestPaths.SystemPython, harness.Runtime, package, work, "marked:main",
            inputs.RootElement.Clone(), TimeSpan.FromSeconds(60), isolation, Started: started);
    }

    /// <summary>A job of a package that leaves a marker file, forked and waiting for its start to be recorded.</summary>
    private static async Task<(string Marker, string Package, TaskCompletionSource Started, Task<PythonJobResult> Run)> ForkedAndWaitingAsync(WarmHarness harness)
    {
        var marker = harness.Temp.Combine("ran.txt");
        var package = harness.Package("pkg", ("marked.py", Marked(marker)));
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = harness.Runner.RunAsync(Spec(harness, package, started.Task), new JobLog(TimeProvider.System), new JobControl("job", 1));
        await FakeServerState.WaitUntilAsync(() => harness.Pool.Interpreters.Sum(i => i.RunningJobs) == 1, TimeSpan.FromSeconds(30), "the forked job");
        return (marker, package, started, run);
    }

    [Fact]
    public async Task A_forked_job_waits_ready_for_its_start_and_runs_once_it_is_recorded()
    {
        await using var harness = await WarmHarness.StartAsync();
        var (marker, _, started, run) = await ForkedAndWaitingAsync(harness);
        Assert.False(File.Exists(marker));
        Assert.False(run.IsCompleted);

        started.SetResult();
        var result = await run;
        Assert.Equal(JobOutcome.Succeeded, result.Outcome);
        Assert.True(File.Exists(marker));
    }

    [Fact]
    public async Task A_forked_job_whose_start_fails_is_killed_before_its_package_is_imported()
    {
        await using var harness = await WarmHarness.StartAsync();
        var (marker, package, started, run) = await ForkedAndWaitingAsync(harness);
        started.SetException(new StaleAttemptException("stale attempt"));

        await Assert.ThrowsAsync<StaleAttemptException>(() => run);
        Assert.False(File.Exists(marker));
        Assert.Equal(0, harness.Pool.Interpreters.Sum(i => i.RunningJobs));
        // The warm interpreter serves the next job as before.
        var next = await harness.RunAsync(package, "marked:main");
        Assert.Equal(JobOutcome.Succeeded, next.Result.Outcome);
    }

    [Fact]
    public async Task A_new_interpreter_starts_only_once_the_start_is_recorded()
    {
        await using var harness = await WarmHarness.StartAsync();
        var marker = harness.Temp.Combine("ran.txt");
        var package = harness.Package("pkg", ("marked.py", Marked(marker)));
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        started.SetException(new StaleAttemptException("stale attempt"));

        await Assert.ThrowsAsync<StaleAttemptException>(() =>
            harness.Runner.RunAsync(Spec(harness, package, started.Task, JobIsolation.Fresh), new JobLog(TimeProvider.System), new JobControl("job", 1)));
        Assert.False(File.Exists(marker));
    }
}
