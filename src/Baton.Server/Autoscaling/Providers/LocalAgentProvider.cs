using System.Diagnostics;
using System.Globalization;
using System.Reflection;

namespace Baton.Server.Autoscaling.Providers;

/// <summary>How the local provider starts agents: the CLI's command line, the server URL, their data folder and a token for a first registration.</summary>
public sealed record LocalAgentLaunch(string Program, IReadOnlyList<string> Arguments, string ServerUrl, string DataDirectory, Func<CancellationToken, Task<string>> EnrollmentToken)
{
    /// <summary>The command line of this process when it is the baton CLI (the apphost, or dotnet with baton.dll).</summary>
    public static (string Program, IReadOnlyList<string> Arguments)? OfThisProcess()
    {
        var entry = Assembly.GetEntryAssembly();
        if (entry?.GetName().Name != "baton" || Environment.ProcessPath is not { } process) return null;
        return string.Equals(Path.GetFileNameWithoutExtension(process), "dotnet", StringComparison.OrdinalIgnoreCase)
            ? (process, [entry.Location])
            : (process, []);
    }
}

/// <summary>
/// The embedded default provider: starts and stops <c>baton agent</c> processes on this machine, in the shared
/// agent pool, in the target's group. Scaling down drains (the newest agents first): an agent takes no new job,
/// finishes its running ones and exits — no job is ever killed to remove an agent. A draining agent no longer
/// counts as a replica. Single-node by nature: its processes live on the replica that holds the target's lease.
/// </summary>
public sealed class LocalAgentProvider(string group, int slots, LocalAgentLaunch launch, TimeSpan stopTimeout, ILogger logger) : IScalingProvider
{
    private readonly List<AgentProcess> _agents = [];
    private readonly SemaphoreSlim _gate = new(1, 1);

    public string Description => $"local agents (group {group}, {slots} slots each)";

    public TimeSpan? MeasuredReadyTime { get; private set; }

    /// <summary>Agents alive now, draining ones included (they still finish jobs).</summary>
    public int LiveProcesses
    {
        get
        {
            lock (_agents) return _agents.Count(a => !a.Exited);
        }
    }

    public async Task<int> GetReplicasAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            Reap();
            lock (_agents) return _agents.Count(a => !a.Draining);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task SetReplicasAsync(int replicas, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            Reap();
            List<AgentProcess> active;
            lock (_agents) active = [.. _agents.Where(a => !a.Draining)];
            if (replicas > active.Count)
            {
                for (var i = active.Count; i < replicas; i++) await StartOneAsync(cancellationToken);
            }
            else
            {
                foreach (var agent in active.OrderByDescending(a => a.Index).Take(active.Count - replicas))
                {
                    logger.LogInformation("Draining local agent {Name}: it finishes its jobs, then exits", agent.Name);
                    agent.Drain();
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task StartOneAsync(CancellationToken cancellationToken)
    {
        int index;
        lock (_agents)
        {
            var used = _agents.Select(a => a.Index).ToHashSet();
            index = Enumerable.Range(1, int.MaxValue).First(i => !used.Contains(i));
        }
        var name = $"{Environment.MachineName}-{group}-auto-{index}";
        var folder = Path.Combine(launch.DataDirectory, $"{group}-{index}");
        Directory.CreateDirectory(folder);
        // An agent started before keeps its identity (and package cache) in its folder; only a new one needs a token.
        var token = File.Exists(Path.Combine(folder, "agent.json")) ? null : await launch.EnrollmentToken(cancellationToken);
        string[] arguments =
        [
            .. launch.Arguments, "agent", "--server", launch.ServerUrl, "--name", name, "--group", group,
            "--slots", slots.ToString(CultureInfo.InvariantCulture), "--data", folder, "--drain-on-sigterm",
            "--exit-with-parent", Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
        ];
        var agent = AgentProcess.Start(index, name, launch.Program, arguments, token, logger);
        lock (_agents) _agents.Add(agent);
        logger.LogInformation("Started local agent {Name} (pid {Pid})", name, agent.ProcessId);
    }

    /// <summary>Forgets agents that exited (drained ones, or crashed ones the next evaluation replaces), keeping the last ready time measured.</summary>
    private void Reap()
    {
        lock (_agents)
        {
            foreach (var agent in _agents.Where(a => a.ReadyAfter is not null)) MeasuredReadyTime = agent.ReadyAfter;
            foreach (var gone in _agents.Where(a => a.Exited).ToList())
            {
                if (!gone.Draining) logger.LogWarning("Local agent {Name} exited without being drained", gone.Name);
                gone.Dispose();
                _agents.Remove(gone);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Wait for a scaling step in flight, so no agent starts after the others were stopped.
        await _gate.WaitAsync(stopTimeout);
        List<AgentProcess> agents;
        lock (_agents) agents = [.. _agents];
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(agents.Select(a => a.StopAsync(stopTimeout)));
        foreach (var agent in agents) agent.Dispose();
        if (agents.Count > 0) logger.LogInformation("Stopped {Count} local agent(s) in {Ms} ms", agents.Count, clock.ElapsedMilliseconds);
        _gate.Dispose();
    }
}
