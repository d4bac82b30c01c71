using System.Text.Json;
using System.Text.Json.Nodes;
using Baton.Core.Jobs;
using Baton.Core.Packages;

namespace Baton.Agent.Tests.Python.Warm;

/// <summary>
/// A job forked from a warm interpreter must look, from inside, like one started in a new
/// interpreter, and nothing one job does may reach the next: proven with real Python.
/// </summary>
public sealed class WarmIsolationTests : IAsyncLifetime
{
    /// <summary>Describes the process a job runs in, as JSON; the work folder is written as WORK.</summary>
    private const string Probe = """
        import builtins, json, os, random, signal, string, sys

        def describe():
            work = os.environ["BATON_INPUTS_FILE"].rsplit("/.baton/", 1)[0]
            handlers = {}
            for sig in sorted(signal.valid_signals()):
                try:
                    handler = signal.getsignal(sig)
                except (OSError, ValueError):
                    continue
                handlers[str(int(sig))] = int(handler) if isinstance(handler, int) else repr(handler)
            per_job = ("BATON_INPUTS_FILE", "BATON_RESULT_FILE", "BATON_CONTROL_FILE", "BATON_ARTIFACTS")
            return {
                "cwd": os.getcwd().replace(work, "WORK"),
                "path": [p.replace(work, "WORK") for p in sys.path],
                "env": {k: v for k, v in os.environ.items() if k not in per_job},
                "signals": handlers,
                "fds": sorted(int(fd) for fd in os.listdir("/proc/self/fd")),
                "stdin_empty": sys.stdin.read() == "",
                "own_session": os.getsid(0) == os.getpid(),
                "own_group": os.getpgid(0) == os.getpid(),
                "umask": os.umask(0o022),
                "argv": sys.argv,
                "flags": list(sys.flags),
                "stdout": [sys.stdout.encoding, sys.stdout.errors, sys.stdout.line_buffering, sys.stdout.write_through],
                "stderr": [sys.stderr.encoding, sys.stderr.errors],
                "main": sys.modules["__main__"].__name__,
            }

        def main():
            state = describe()
            state["leaks"] = {
                "json.dumps": json.dumps.__module__,
                "os.leak": hasattr(os, "leak"),
                "builtins.leak": hasattr(builtins, "leak"),
                "ascii_letters": string.ascii_letters,
                "LEAK": os.environ.get("LEAK"),
                "leaked_module": "leaked_module" in sys.modules,
                "mutator": "mutator" in sys.modules,
            }
            state["random"] = random.random()
            state["ppid"] = os.getppid()
            return state
        """;

    /// <summary>Changes everything a job can change in its own process.</summary>
    private const string Mutator = """
        import builtins, json, os, signal, socket, string, sys

        KEEP = []

        def main():
            json.dumps = lambda *args, **kwargs: "hacked"
            os.leak = True
            builtins.leak = True
            string.ascii_letters = "x"
            os.environ["LEAK"] = "1"
            os.putenv("LEAK_PUT", "1")
            os.chdir("/")
            os.umask(0o077)
            signal.signal(signal.SIGTERM, lambda *args: None)
            signal.signal(signal.SIGUSR1, signal.SIG_IGN)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGCHLD, lambda *args: None)
            sys.path.insert(0, "/leak")
            sys.modules["leaked_module"] = type(sys)("leaked_module")
            KEEP.append(open(os.devnull))
            KEEP.append(socket.socket())
            KEEP.append(os.dup(1))
            print("mutated", flush=True)
        """;

    private WarmHarness _harness = null!;
    private string _package = "";

    public async Task InitializeAsync()
    {
        _harness = await WarmHarness.StartAsync();
        _package = _harness.Package("pkg", ("probe.py", Probe), ("mutator.py", Mutator));
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    private async Task<JsonObject> ProbeAsync(JobIsolation isolation)
    {
        var (result, log, _, _) = await _harness.RunAsync(_package, "probe:main", isolation: isolation);
        Assert.True(result.Outcome == JobOutcome.Succeeded, result.Error + string.Join('\n', WarmHarness.Lines(log, "stderr")));
        return JsonNode.Parse(result.Result!.Value.GetRawText())!.AsObject();
    }

    private static void AssertSame(JsonObject expected, JsonObject actual, string property) =>
        Assert.True(JsonNode.DeepEquals(expected[property], actual[property]),
            $"{property} differs:\n  fresh: {expected[property]?.ToJsonString()}\n  warm:  {actual[property]?.ToJsonString()}");

    [Fact]
    public async Task A_forked_job_sees_the_process_a_fresh_interpreter_gives_it()
    {
        var fresh = await ProbeAsync(JobIsolation.Fresh);
        var warm = await ProbeAsync(JobIsolation.Warm);

        // Same working folder, sys.path, environment, signal handlers, descriptors, session, umask, argv, flags and stdio.
        foreach (var property in new[] { "cwd", "path", "env", "signals", "fds", "stdin_empty", "own_session", "own_group", "umask", "argv", "flags", "stdout", "stderr", "leaks" })
            AssertSame(fresh, warm, property);
        Assert.Equal("WORK", warm["cwd"]!.GetValue<string>());
        Assert.Equal([0, 1, 2, 3], warm["fds"]!.AsArray().Select(n => n!.GetValue<int>()));
        Assert.True(warm["own_session"]!.GetValue<bool>());
        // The fresh job's parent is the agent (this test process); the warm one's is its warm interpreter.
        Assert.Equal(Environment.ProcessId, fresh["ppid"]!.GetValue<int>());
        var interpreter = Assert.Single(_harness.Pool.Interpreters);
        Assert.Equal(interpreter.Pid, warm["ppid"]!.GetValue<int>());
    }

    [Fact]
    public async Task Nothing_a_job_changes_reaches_the_next_job()
    {
        var before = await ProbeAsync(JobIsolation.Warm);
        var (mutated, log, _, _) = await _harness.RunAsync(_package, "mutator:main");
        Assert.Equal(JobOutcome.Succeeded, mutated.Outcome);
        Assert.Contains("mutated", WarmHarness.Lines(log, "stdout"));
        var after = await ProbeAsync(JobIsolation.Warm);

        // Modules, globals, builtins, environment, working folder, open files, signal handlers, umask and sys.path.
        foreach (var property in new[] { "cwd", "path", "env", "signals", "fds", "umask", "leaks" })
            AssertSame(before, after, property);
        var leaks = after["leaks"]!.AsObject();
        Assert.Equal("json", leaks["json.dumps"]!.GetValue<string>());
        Assert.False(leaks["mutator"]!.GetValue<bool>());
        Assert.Null(leaks["LEAK"]);
        Assert.DoesNotContain("LEAK_PUT", after["env"]!.AsObject().Select(p => p.Key));
        Assert.Equal(before["ppid"]!.GetValue<int>(), after["ppid"]!.GetValue<int>());
    }

    [Fact]
    public async Task Each_forked_job_draws_its_own_random_numbers()
    {
        var first = await ProbeAsync(JobIsolation.Warm);
        var second = await ProbeAsync(JobIsolation.Warm);
        Assert.NotEqual(first["random"]!.GetValue<double>(), second["random"]!.GetValue<double>());
    }

    [Fact]
    public async Task A_job_that_forks_and_starts_threads_works_and_its_threads_finish_before_it_ends()
    {
        var package = _harness.Package("forker", ("forker.py", """
            import os, subprocess, threading, time

            def main():
                read, write = os.pipe()
                pid = os.fork()
                if pid == 0:
                    os.close(read)
                    os.write(write, b"child says hi")
                    os._exit(7)
                os.close(write)
                said = os.read(read, 100).decode()
                _, status = os.waitpid(pid, 0)
                done = []
                workers = [threading.Thread(target=lambda i=i: (time.sleep(0.05), done.append(i))) for i in range(4)]
                for worker in workers:
                    worker.start()
                for worker in workers:
                    worker.join()
                subprocess.run(["echo", "from a subprocess"], check=True)
                # Not joined: the interpreter's exit waits for it, as a fresh one would.
                threading.Thread(target=lambda: (time.sleep(0.3), print("late thread done", flush=True))).start()
                return {"child": said, "status": os.waitstatus_to_exitcode(status), "threads": sorted(done)}
            """));

        foreach (var isolation in new[] { JobIsolation.Warm, JobIsolation.Fresh })
        {
            var (result, log, _, _) = await _harness.RunAsync(package, "forker:main", isolation: isolation);

            Assert.True(result.Outcome == JobOutcome.Succeeded, result.Error);
            var value = result.Result!.Value;
            Assert.Equal("child says hi", value.GetProperty("child").GetString());
            Assert.Equal(7, value.GetProperty("status").GetInt32());
            Assert.Equal(4, value.GetProperty("threads").GetArrayLength());
            var stdout = WarmHarness.Lines(log, "stdout");
            Assert.Contains("from a subprocess", stdout);
            Assert.Contains("late thread done", stdout);
        }
    }

    [Fact]
    public async Task Exit_codes_and_a_traceback_reach_the_agent_as_from_a_fresh_interpreter()
    {
        var package = _harness.Package("exits", ("exits.py", """
            import sys

            def code(value=None):
                sys.exit(value)

            def boom():
                print("before", flush=True)
                raise ValueError("boom")
            """));

        foreach (var isolation in new[] { JobIsolation.Warm, JobIsolation.Fresh })
        {
            Assert.Equal(3, (await _harness.RunAsync(package, "exits:code", """{"value":3}""", isolation)).Result.ExitCode);
            Assert.Equal(0, (await _harness.RunAsync(package, "exits:code", isolation: isolation)).Result.ExitCode);
            var text = await _harness.RunAsync(package, "exits:code", """{"value":"bad input"}""", isolation);
            Assert.Equal(1, text.Result.ExitCode);
            Assert.Contains("bad input", WarmHarness.Lines(text.Log, "stderr"));
            var (failed, log, _, _) = await _harness.RunAsync(package, "exits:boom", isolation: isolation);
            Assert.Equal(JobOutcome.Failed, failed.Outcome);
            Assert.Equal(1, failed.ExitCode);
            Assert.Contains("Traceback (most recent call last):", failed.Error);
            Assert.Contains("ValueError: boom", failed.Error);
            Assert.Contains("before", WarmHarness.Lines(log, "stdout"));
        }
    }
}
