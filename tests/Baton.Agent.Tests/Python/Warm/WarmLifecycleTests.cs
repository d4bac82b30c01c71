using System.Diagnostics;
using Baton.Agent.Jobs;
using Baton.Agent.Python;
using Baton.Agent.Python.Warm;
using Baton.Agent.Tests.Support;
using Baton.Core.Jobs;
using Baton.Core.Packages;
using Microsoft.Extensions.Logging.Abstractions;

namespace Baton.Agent.Tests.Python.Warm;

/// <summary>The warm interpreters' life: recovery when killed, recycling, preload, fallbacks (memory: <see cref="WarmMemoryTests"/>).</summary>
public sealed class WarmLifecycleTests
{
    private const string Pids = """
        import os, time

        def main(sleep=0):
            time.sleep(sleep)
            return {"pid": os.getpid(), "ppid": os.getppid()}
        """;

    [Fact]
    public async Task A_killed_warm_interpreter_fails_its_running_job_and_the_next_job_gets_a_new_one()
    {
        await using var harness = await WarmHarness.StartAsync();
        var package = harness.Package("pkg", ("pids.py", Pids));
        var first = await harness.RunAsync(package, "pids:main");
        var firstParent = first.Result.Result!.Value.GetProperty("ppid").GetInt32();
        Assert.Equal(firstParent, Assert.Single(harness.Pool.Interpreters).Pid);

        var (lost, _, _, _) = await harness.RunAsync(package, "pids:main", """{"sleep":300}""", whileRunning: control =>
        {
            _ = Task.Run(async () =>
            {
                await FakeServerState.WaitUntilAsync(() => harness.Pool.Interpreters.Any(i => i.RunningJobs > 0), TimeSpan.FromSeconds(30), "the job to be forked");
                Process.GetProcessById(firstParent).Kill();
            });
        });

        Assert.Equal(JobOutcome.Failed, lost.Outcome);
        Assert.Contains("warm Python interpreter running this job died", lost.Error);
        Assert.Equal(137, lost.ExitCode);

        var next = await harness.RunAsync(package, "pids:main");
        Assert.Equal(JobOutcome.Succeeded, next.Result.Outcome);
        var nextParent = next.Result.Result!.Value.GetProperty("ppid").GetInt32();
        Assert.NotEqual(firstParent, nextParent);
        Assert.Equal(nextParent, Assert.Single(harness.Pool.Interpreters).Pid);
    }

    [Fact]
    public async Task A_warm_interpreter_is_replaced_after_its_fork_limit()
    {
        await using var harness = await WarmHarness.StartAsync(new WarmInterpreterOptions { MaxForks = 3 });
        var package = harness.Package("pkg", ("pids.py", Pids));
        var parents = new List<int>();
        for (var i = 0; i < 4; i++)
            parents.Add((await harness.RunAsync(package, "pids:main")).Result.Result!.Value.GetProperty("ppid").GetInt32());

        Assert.Equal(3, parents.Take(3).Count(p => p == parents[0]));
        Assert.NotEqual(parents[0], parents[3]);
        await FakeServerState.WaitUntilAsync(() => !PythonJobRunnerTests.IsAlive(parents[0]), TimeSpan.FromSeconds(10), "the retired interpreter to exit");
    }

    [Fact]
    public async Task A_warm_interpreter_past_its_memory_limit_is_replaced()
    {
        // The preload writes 48 MB into the warm process (every page touched, so it is resident), over the 32 MB limit.
        await using var harness = await WarmHarness.StartAsync(new WarmInterpreterOptions { MaxMemoryMb = 32 });
        var package = harness.Package("pkg", ("ballast.py", "BALLAST = b'x' * (48 * 1024 * 1024)\n"), ("pids.py", Pids));
        var parents = new List<int>();
        // Memory is read every 50 forks: the 50th job is the last of the first warm interpreter.
        for (var i = 0; i < 51; i++)
        {
            var (result, _, _, _) = await harness.RunAsync(package, "pids:main", preload: ["ballast"]);
            Assert.True(result.Outcome == JobOutcome.Succeeded, result.Error);
            parents.Add(result.Result!.Value.GetProperty("ppid").GetInt32());
        }

        Assert.Single(parents.Take(50).Distinct());
        Assert.NotEqual(parents[0], parents[50]);
        await FakeServerState.WaitUntilAsync(() => !PythonJobRunnerTests.IsAlive(parents[0]), TimeSpan.FromSeconds(10), "the retired interpreter to exit");
    }

    [Fact]
    public async Task Preloaded_modules_are_imported_once_in_the_warm_interpreter_of_that_package()
    {
        await using var harness = await WarmHarness.StartAsync();
        var package = harness.Package("pkg",
            ("heavy.py", "import os\nwith open(os.path.join(os.path.dirname(__file__), 'imports.log'), 'a') as log:\n    log.write('%d\\n' % os.getpid())\nIMPORTED_IN = os.getpid()\n"),
            ("job.py", "import os, sys\n\ndef main():\n    preloaded = 'heavy' in sys.modules\n    import heavy\n    return {'preloaded': preloaded, 'imported_in': heavy.IMPORTED_IN, 'ppid': os.getppid()}\n"));

        for (var i = 0; i < 3; i++)
        {
            var (result, log, _, _) = await harness.RunAsync(package, "job:main", preload: ["heavy"]);
            Assert.True(result.Outcome == JobOutcome.Succeeded, result.Error);
            Assert.True(result.Result!.Value.GetProperty("preloaded").GetBoolean());
            Assert.Equal(result.Result.Value.GetProperty("ppid").GetInt32(), result.Result.Value.GetProperty("imported_in").GetInt32());
            Assert.Empty(log.Tail("setup"));
        }

        Assert.Single(File.ReadAllLines(Path.Combine(package, "imports.log")));
        // A job of the same interpreter without preload forks from the plain warm interpreter, which lacks the module.
        var plain = await harness.RunAsync(package, "job:main");
        Assert.False(plain.Result.Result!.Value.GetProperty("preloaded").GetBoolean());
        Assert.Equal(2, harness.Pool.Interpreters.Count);
    }

    [Fact]
    public async Task A_failing_preload_falls_back_to_the_plain_warm_interpreter_and_says_so()
    {
        await using var harness = await WarmHarness.StartAsync();
        var package = harness.Package("pkg", ("broken.py", "raise RuntimeError('cannot import me')\n"), ("pids.py", Pids));

        var (result, log, _, _) = await harness.RunAsync(package, "pids:main", preload: ["broken"]);

        Assert.Equal(JobOutcome.Succeeded, result.Outcome);
        Assert.Contains("could not preload", log.Tail("setup"));
        Assert.Contains("cannot import me", log.Tail("setup"));
        Assert.Equal(Assert.Single(harness.Pool.Interpreters).Pid, result.Result!.Value.GetProperty("ppid").GetInt32());
    }

    [Fact]
    public async Task A_preload_that_starts_a_thread_is_not_forked_and_the_jobs_use_the_plain_warm_interpreter()
    {
        await using var harness = await WarmHarness.StartAsync();
        var package = harness.Package("pkg", ("spawner.py", "import threading, time\nthreading.Thread(target=time.sleep, args=(60,), daemon=True).start()\n"), ("pids.py", Pids));

        var (result, log, _, _) = await harness.RunAsync(package, "pids:main", preload: ["spawner"]);

        Assert.Equal(JobOutcome.Succeeded, result.Outcome);
        Assert.Contains("threads", log.Tail("setup"));
        var interpreter = Assert.Single(harness.Pool.Interpreters);
        Assert.False(interpreter.Key.Preloads);
        Assert.Equal(interpreter.Pid, result.Result!.Value.GetProperty("ppid").GetInt32());
    }

    [Fact]
    public async Task Without_a_usable_interpreter_the_job_starts_cold_and_says_why()
    {
        await using var harness = await WarmHarness.StartAsync();
        var package = harness.Package("pkg", ("pids.py", Pids));
        // A "python" that cannot start a warm interpreter (it exits at once) but runs the cold runner fine.
        var python = harness.Temp.WriteFile("bin/python", $$"""
            #!/bin/sh
            case "$*" in *_forkserver*) exit 5;; esac
            exec {{TestPaths.SystemPython}} "$@"

            """);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(python, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var (result, log, _, _) = await harness.RunAsync(package, "pids:main", python: python);

        Assert.Equal(JobOutcome.Succeeded, result.Outcome);
        Assert.Contains("Starting a new interpreter", log.Tail("setup"));
        Assert.Empty(harness.Pool.Interpreters);
    }

    [Fact]
    public async Task Isolation_fresh_starts_a_new_interpreter_and_forks_nothing()
    {
        await using var harness = await WarmHarness.StartAsync();
        var package = harness.Package("pkg", ("pids.py", Pids));

        var (result, _, _, _) = await harness.RunAsync(package, "pids:main", isolation: JobIsolation.Fresh);

        Assert.Equal(JobOutcome.Succeeded, result.Outcome);
        Assert.Equal(Environment.ProcessId, result.Result!.Value.GetProperty("ppid").GetInt32());
        Assert.Empty(harness.Pool.Interpreters);
    }

    [Fact]
    public async Task The_with_deps_sample_runs_warm_from_its_venv_python()
    {
        using var temp = new TempDirectory();
        var venv = await new VirtualEnvironmentManager(temp.Combine("venvs"), NullLogger<VirtualEnvironmentManager>.Instance)
            .EnsureAsync(TestPaths.SystemInterpreter, TestPaths.Sample("with-deps"), "requirements.txt", _ => { }, CancellationToken.None);
        Assert.True(venv.Succeeded, venv.Error);
        await using var harness = await WarmHarness.StartAsync();

        for (var i = 0; i < 2; i++)
        {
            var (result, log, _, _) = await harness.RunAsync(TestPaths.Sample("with-deps"), "main:run", """{"name":"warm"}""", python: venv.PythonPath);
            Assert.True(result.Outcome == JobOutcome.Succeeded, result.Error);
            Assert.Equal("Hello from greetlib, warm!", result.Result!.Value.GetProperty("greeting").GetString());
            Assert.Empty(log.Tail("setup"));
        }

        var interpreter = Assert.Single(harness.Pool.Interpreters);
        Assert.Equal(venv.PythonPath, interpreter.Key.Python);
        Assert.Equal(2, interpreter.Forks);
    }

    internal static long ResidentKb(int pid)
    {
        var line = File.ReadAllLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
