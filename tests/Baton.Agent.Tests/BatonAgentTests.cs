using System.Text.Json;
using Baton.Agent.Registration;
using Baton.Agent.Tests.Python;
using Baton.Agent.Tests.Support;
using Baton.Core.AgentProtocol;
using Microsoft.Extensions.Logging.Abstractions;

namespace Baton.Agent.Tests;

/// <summary>The agent against a fake protocol server, with jobs forked from warm interpreters (the default).</summary>
public sealed class WarmBatonAgentTests : BatonAgentTests
{
    protected override bool WarmInterpreters => true;
}

/// <summary>The same with every job in a new interpreter (the path where fork is unavailable).</summary>
public sealed class ColdBatonAgentTests : BatonAgentTests
{
    protected override bool WarmInterpreters => false;
}

public abstract class BatonAgentTests : IDisposable
{
    protected abstract bool WarmInterpreters { get; }

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _temp = new();

    public void Dispose()
    {
        _temp.Dispose();
        GC.SuppressFinalize(this);
    }

    private sealed record RunningAgent(BatonAgent Agent, CancellationTokenSource Stop, Task Run) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Stop.CancelAsync();
            try
            {
                await Run.WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (AgentException)
            {
                // Asserted by the tests that expect it.
            }
            finally
            {
                await Agent.DisposeAsync();
                Stop.Dispose();
            }
        }
    }

    private RunningAgent StartAgent(Uri server, string? token, TimeSpan? logFlushInterval = null)
    {
        var options = new AgentOptions
        {
            ServerUrls = [server],
            EnrollmentToken = token,
            Name = "test-agent",
            Slots = 2,
            Labels = new Dictionary<string, string> { ["team"] = "qa" },
            DataDirectory = _temp.Combine("data"),
            PollWait = TimeSpan.FromSeconds(2),
            TerminateGrace = TimeSpan.FromSeconds(2),
            LogFlushInterval = logFlushInterval ?? TimeSpan.FromMilliseconds(100),
            WarmInterpreters = WarmInterpreters,
        };
        var agent = new BatonAgent(options, NullLoggerFactory.Instance, TimeProvider.System);
        var stop = new CancellationTokenSource();
        return new RunningAgent(agent, stop, agent.RunAsync(stop.Token));
    }

    private static JobAssignment Assignment(FakeServerState state, string jobId, string sampleOrFolder, string entrypoint, string inputs = "{}", int timeoutSeconds = 60)
    {
        var folder = Directory.Exists(sampleOrFolder) ? sampleOrFolder : TestPaths.Sample(sampleOrFolder);
        var zip = PackageZip.FromFolder(folder);
        var sha = state.AddPackage(zip);
        using var document = JsonDocument.Parse(inputs);
        return new JobAssignment(jobId, 1, new PackageRef(Path.GetFileName(folder), "1.0.0", sha, zip.Length), entrypoint,
            document.RootElement.Clone(), timeoutSeconds, null, null);
    }

    [Fact]
    public async Task Registers_runs_hello_and_reuses_its_identity_after_a_restart()
    {
        await using var server = await FakeProtocolServer.StartAsync();
        var state = server.State;
        state.PendingJobs.Enqueue(Assignment(state, "job-hello", "hello", "hello:main", """{"name":"Baton"}"""));

        await using (var running = StartAgent(server.Url, state.EnrollmentToken))
        {
            var complete = await state.WaitForCompletionAsync("job-hello", Wait);

            Assert.Equal("succeeded", complete.Outcome);
            Assert.Equal("Hello, Baton!", complete.Result!.Value.GetProperty("greeting").GetString());
            Assert.Equal("agent-1", running.Agent.AgentId);
            var lines = state.LogLines("job-hello");
            Assert.Contains(lines, l => l.Stream == "stdout" && l.Text == "Hello, Baton!");
            Assert.Equal(Enumerable.Range(1, lines.Count).Select(i => (long)i), lines.Select(l => l.Line));
            Assert.True(state.GzippedLogRequests > 0);
            var registration = state.LastRegistration!;
            Assert.Equal("linux", registration.Capabilities.Os);
            Assert.Equal("qa", registration.Capabilities.Labels["team"]);
            Assert.Contains(registration.Capabilities.Pythons, p => p.Path == TestPaths.SystemPython);
            Assert.True(registration.Resources.CpuCores > 0 && registration.Resources.MemoryMb > 0);
            // Warm: the job was forked from the warm interpreter the agent started for the system python.
            Assert.Equal(WarmInterpreters ? 1 : 0, running.Agent.WarmPool?.Interpreters.Sum(i => i.Forks) ?? 0);
        }

        var identityFile = _temp.Combine("data", AgentIdentityStore.FileName);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(identityFile));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_temp.Combine("data", "work")));

        // A poll the stopped agent abandoned must not swallow the next job (the real server relies on lease expiry).
        await FakeServerState.WaitUntilAsync(() => state.ActivePolls == 0, TimeSpan.FromSeconds(5), "the old agent's poll to end");
        state.PendingJobs.Enqueue(Assignment(state, "job-again", "hello", "hello:main"));
        await using (var restarted = StartAgent(server.Url, token: null))
        {
            var complete = await state.WaitForCompletionAsync("job-again", Wait);
            Assert.Equal("succeeded", complete.Outcome);
            Assert.Equal(1, state.Registrations);
            Assert.Equal("agent-1", restarted.Agent.AgentId);
            Assert.Contains(state.Polls, p => p.CachedPackages is { Count: > 0 });
        }
    }

    [Fact]
    public async Task With_a_current_server_completions_carry_the_next_claim_and_a_short_jobs_log()
    {
        await using var server = await FakeProtocolServer.StartAsync();
        var state = server.State;
        state.TakesCompletionClaims = true;
        for (var i = 0; i < 6; i++)
            state.PendingJobs.Enqueue(Assignment(state, $"job-{i}", "hello", "hello:main", $$"""{"name":"n{{i}}"}"""));

        // Lines wait for the job's end (a slow loaded machine must not ship them mid-job), so what is folded is decided at completion.
        await using var running = StartAgent(server.Url, state.EnrollmentToken, logFlushInterval: TimeSpan.FromMinutes(1));
        for (var i = 0; i < 6; i++)
            Assert.Equal("succeeded", (await state.WaitForCompletionAsync($"job-{i}", Wait)).Outcome);

        // Two slots: the first jobs come with a poll, the later ones with the completions that freed their slots.
        var (claims, claimedJobs) = state.ClaimsAnswered;
        Assert.True(claimedJobs >= 3, $"{claims} completion claims were given {claimedJobs} jobs");
        // After the first answer showed a current server, the log comes with the completion, whole and numbered.
        var folded = Enumerable.Range(0, 6).Select(i => state.Completed[$"job-{i}"]).Count(c => c.Logs is { Count: > 0 });
        Assert.True(folded >= 4, $"{folded} completions carried their log");
        for (var i = 0; i < 6; i++)
        {
            var lines = state.LogLines($"job-{i}");
            Assert.Contains(lines, l => l.Text == $"Hello, n{i}!");
            Assert.Equal(Enumerable.Range(1, lines.Count).Select(n => (long)n), lines.Select(l => l.Line));
        }
        // Nothing was claimed twice: no job is assigned to more slots than there are.
        Assert.All(state.Polls, p => Assert.InRange(p.FreeSlots + p.Running.Count, 0, 2));
    }

    [Fact]
    public async Task Prefetches_offered_packages_in_the_background_and_reports_them_cached()
    {
        await using var server = await FakeProtocolServer.StartAsync();
        var state = server.State;
        var zip = PackageZip.FromFolder(TestPaths.Sample("hello"));
        var sha = state.AddPackage(zip);
        state.PrefetchOffers[sha] = new PackageRef("hello", "1.0.0", sha, zip.Length);
        var missing = new string('f', 64);
        state.PrefetchOffers[missing] = new PackageRef("gone", "1.0.0", missing, 10);

        await using var running = StartAgent(server.Url, state.EnrollmentToken);
        // No job asked for it: the offer alone brings it into the cache, verified and extracted.
        await FakeServerState.WaitUntilAsync(() => state.Polls.Any(p => p.CachedPackages?.Contains(sha) == true), Wait, "the prefetched package to be reported cached");
        Assert.True(File.Exists(_temp.Combine("data", "packages", sha, "baton.yaml")));
        // A download that failed is listed as fetching, so the server stops offering it for a while.
        await FakeServerState.WaitUntilAsync(() => state.Polls.Any(p => p.Fetching?.Contains(missing) == true), Wait, "the failed prefetch to be reported");
        Assert.DoesNotContain(state.Polls, p => p.CachedPackages?.Contains(missing) == true);
    }

    [Fact]
    public async Task Fail_sample_completes_failed_with_the_traceback()
    {
        await using var server = await FakeProtocolServer.StartAsync();
        server.State.PendingJobs.Enqueue(Assignment(server.State, "job-fail", "fail", "fail:main"));
        await using var running = StartAgent(server.Url, server.State.EnrollmentToken);

        var complete = await server.State.WaitForCompletionAsync("job-fail", Wait);

        Assert.Equal("failed", complete.Outcome);
        Assert.Equal(1, complete.ExitCode);
        Assert.Contains("RuntimeError: this automation fails on purpose", complete.Error);
        Assert.Contains(server.State.LogLines("job-fail"), l => l.Stream == "stderr" && l.Text.Contains("Traceback", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_package_that_cannot_be_extracted_fails_the_job_at_once_without_retries()
    {
        await using var server = await FakeProtocolServer.StartAsync();
        // Two entries named main.py: the old extractor hit "file exists", the job hung until its lease expired.
        var zip = Baton.Tests.Shared.RawZip.Package().Add("main.py", "print('second')\n").Build();
        var sha = server.State.AddPackage(zip);
        using var inputs = JsonDocument.Parse("{}");
        server.State.PendingJobs.Enqueue(new JobAssignment("job-dup", 1, new PackageRef("hostile", "1.0.0", sha, zip.Length), "main:run",
            inputs.RootElement.Clone(), 60, null, null));
        await using var running = StartAgent(server.Url, server.State.EnrollmentToken);

        var complete = await server.State.WaitForCompletionAsync("job-dup", Wait);

        Assert.Equal("failed", complete.Outcome);
        Assert.True(complete.NoRetry);
        Assert.Contains("more than once", complete.Error);
    }

    [Fact]
    public async Task A_bad_enrollment_token_stops_with_the_servers_detail()
    {
        await using var server = await FakeProtocolServer.StartAsync();
        await using var running = StartAgent(server.Url, "wrong-token");

        var error = await Assert.ThrowsAsync<AgentException>(() => running.Run.WaitAsync(Wait));

        Assert.Contains("The enrollment token is not valid.", error.Message);
        Assert.False(File.Exists(_temp.Combine("data", AgentIdentityStore.FileName)));
    }

    [Fact]
    public async Task Without_identity_or_token_the_agent_refuses_to_start()
    {
        await using var server = await FakeProtocolServer.StartAsync();
        await using var running = StartAgent(server.Url, token: null);

        var error = await Assert.ThrowsAsync<AgentException>(() => running.Run.WaitAsync(Wait));

        Assert.Contains("enrollment token", error.Message);
    }

    [Fact]
    public async Task A_409_on_logs_kills_the_process_and_reports_nothing()
    {
        await using var server = await FakeProtocolServer.StartAsync();
        var state = server.State;
        var pidFile = _temp.Combine("pid.txt");
        _temp.WriteFile("chatty/chatty.py", $$"""
            import os, time
            def main():
                with open({{JsonSerializer.Serialize(pidFile)}}, 'w') as f:
                    f.write(str(os.getpid()))
                while True:
                    print('still here', flush=True)
                    time.sleep(0.05)
            """);
        state.RejectLogs["job-stale"] = true;
        state.PendingJobs.Enqueue(Assignment(state, "job-stale", _temp.Combine("chatty"), "chatty:main"));
        await using var running = StartAgent(server.Url, state.EnrollmentToken);

        await FakeServerState.WaitUntilAsync(() => File.Exists(pidFile) && File.ReadAllText(pidFile).Length > 0, Wait, "the job to start");
        var pid = int.Parse(File.ReadAllText(pidFile));
        await FakeServerState.WaitUntilAsync(() => !PythonJobRunnerTests.IsAlive(pid), TimeSpan.FromSeconds(10), "the stale job's process to die");
        await FakeServerState.WaitUntilAsync(() => running.Agent.RunningJobs == 0, TimeSpan.FromSeconds(10), "the slot to free");

        Assert.False(state.Completed.ContainsKey("job-stale"));
    }

    [Fact]
    public async Task A_job_is_made_ready_while_its_start_is_recorded_and_runs_only_once_the_server_recorded_it()
    {
        await using var server = await FakeProtocolServer.StartAsync();
        var state = server.State;
        var refusedMarker = _temp.Combine("refused.txt");
        var recordedMarker = _temp.Combine("recorded.txt");
        foreach (var (name, marker) in new[] { ("refused", refusedMarker), ("recorded", recordedMarker) })
        {
            // The module's top level is the job's first own code.
            _temp.WriteFile($"{name}/{name}.py", $$"""
                open({{JsonSerializer.Serialize(marker)}}, 'w').close()
                def main():
                    return {"ran": True}
                """);
        }

        var refused = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var recorded = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        state.StartGates["job-refused"] = refused;
        state.StartGates["job-recorded"] = recorded;
        state.PendingJobs.Enqueue(Assignment(state, "job-refused", _temp.Combine("refused"), "refused:main"));
        await using var running = StartAgent(server.Url, state.EnrollmentToken);

        await FakeServerState.WaitUntilAsync(() => state.StartsReceived.ContainsKey("job-refused"), Wait, "the start call");
        if (WarmInterpreters)
        {
            // Forked while the start is in flight, and waiting.
            await FakeServerState.WaitUntilAsync(() => running.Agent.WarmPool!.Interpreters.Sum(i => i.RunningJobs) == 1, Wait, "the job's process");
        }
        Assert.False(File.Exists(refusedMarker));
        refused.SetResult(false);
        await FakeServerState.WaitUntilAsync(() => running.Agent.RunningJobs == 0, Wait, "the refused job's slot to free");
        Assert.False(File.Exists(refusedMarker));
        Assert.False(state.Completed.ContainsKey("job-refused"));
        Assert.Equal(0, running.Agent.WarmPool?.Interpreters.Sum(i => i.RunningJobs) ?? 0);

        state.PendingJobs.Enqueue(Assignment(state, "job-recorded", _temp.Combine("recorded"), "recorded:main"));
        await FakeServerState.WaitUntilAsync(() => state.StartsReceived.ContainsKey("job-recorded"), Wait, "the second start call");
        Assert.False(File.Exists(recordedMarker));
        recorded.SetResult(true);
        var complete = await state.WaitForCompletionAsync("job-recorded", Wait);
        Assert.Equal("succeeded", complete.Outcome);
        Assert.True(File.Exists(recordedMarker));
    }

    [Fact]
    public async Task Cancel_directive_ends_the_job_cancelled()
    {
        await using var server = await FakeProtocolServer.StartAsync();
        var state = server.State;
        state.PendingJobs.Enqueue(Assignment(state, "job-sleep", "sleep", "sleep:main", """{"seconds":60}"""));
        await using var running = StartAgent(server.Url, state.EnrollmentToken);

        await FakeServerState.WaitUntilAsync(() => state.Polls.Any(p => p.Running.Any(r => r.JobId == "job-sleep" && r.Progress is not null)), Wait, "progress in a poll");
        state.CancelRequested["job-sleep"] = true;
        var complete = await state.WaitForCompletionAsync("job-sleep", Wait);

        Assert.Equal("cancelled", complete.Outcome);
    }

    [Fact]
    public async Task A_server_restart_mid_job_loses_neither_the_job_nor_its_logs()
    {
        var server = await FakeProtocolServer.StartAsync();
        var state = server.State;
        var port = server.Url.Port;
        _temp.WriteFile("steady/steady.py", "import time\ndef main():\n    for i in range(40):\n        print('tick', i, flush=True)\n        time.sleep(0.1)\n    return {'ticks': 40}\n");
        state.PendingJobs.Enqueue(Assignment(state, "job-steady", _temp.Combine("steady"), "steady:main"));
        await using var running = StartAgent(server.Url, state.EnrollmentToken);
        await FakeServerState.WaitUntilAsync(() => state.LogLines("job-steady").Count > 0, Wait, "first log lines");

        await server.DisposeAsync();
        await Task.Delay(1500);
        await using var restarted = await FakeProtocolServer.StartAsync(state, port);
        var complete = await state.WaitForCompletionAsync("job-steady", Wait);

        Assert.Equal("succeeded", complete.Outcome);
        var ticks = state.LogLines("job-steady").Where(l => l.Stream == "stdout").Select(l => l.Text).ToList();
        Assert.Equal(Enumerable.Range(0, 40).Select(i => $"tick {i}"), ticks);
    }

    [Fact]
    public async Task Artifacts_are_uploaded_before_the_completion_and_links_and_refused_files_are_named_in_the_log()
    {
        var package = _temp.Combine("artifacts-package");
        Directory.CreateDirectory(package);
        await File.WriteAllTextAsync(Path.Combine(package, "baton.yaml"), "name: saver\nversion: 1.0.0\nentrypoint: main:run\n");
        await File.WriteAllTextAsync(Path.Combine(package, "main.py"), """
            import os, baton

            def run():
                folder = os.environ["BATON_ARTIFACTS"]
                with open("made.csv", "w") as f:
                    f.write("a,b\n1,2\n")
                baton.save_artifact("made.csv", name="reports/made.csv")
                with open(os.path.join(folder, "direct.bin"), "wb") as f:
                    f.write(bytes(range(256)) * 40)
                with open(os.path.join(folder, "too-large.bin"), "wb") as f:
                    f.write(b"x")
                os.symlink("/etc/hostname", os.path.join(folder, "link"))
                return "saved"
            """);
        await using var server = await FakeProtocolServer.StartAsync();
        var state = server.State;
        state.PendingJobs.Enqueue(Assignment(state, "job-artifacts", package, "main:run"));

        await using (StartAgent(server.Url, state.EnrollmentToken))
        {
            var complete = await state.WaitForCompletionAsync("job-artifacts", Wait);
            Assert.Equal("succeeded", complete.Outcome);
        }

        Assert.Equal(["direct.bin", "reports/made.csv"], state.Artifacts.Keys.Where(k => k.JobId == "job-artifacts").Select(k => k.Name).Order(StringComparer.Ordinal));
        Assert.Equal("a,b\n1,2\n"u8.ToArray(), state.Artifacts[("job-artifacts", "reports/made.csv")].Bytes);
        Assert.Equal(Enumerable.Repeat(Enumerable.Range(0, 256).Select(i => (byte)i), 40).SelectMany(b => b), state.Artifacts[("job-artifacts", "direct.bin")].Bytes);
        Assert.All(state.Artifacts.Values, a => Assert.Equal((1, false), (a.Attempt, a.AfterCompletion)));
        var system = state.LogLines("job-artifacts").Where(l => l.Stream == "system").Select(l => l.Text).ToList();
        Assert.Contains("[artifact 'link' not saved: it is a symbolic link]", system);
        Assert.Contains(system, l => l.StartsWith("[artifact 'too-large.bin' not saved: ", StringComparison.Ordinal) && l.Contains("413", StringComparison.Ordinal));
        Assert.Contains("[saved 2 artifacts]", system);
        // The work folder, artifacts and all, is gone once the job is reported.
        Assert.Empty(Directory.EnumerateFileSystemEntries(_temp.Combine("data", "work")));
    }
}
