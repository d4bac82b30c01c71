using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Baton.Server.Autoscaling.Providers;

/// <summary>
/// One <c>baton agent</c> child process of the local provider: started with <c>--drain-on-sigterm</c>, so a
/// SIGTERM drains it (no new job, the running ones finish, then it exits) and a second SIGTERM stops it at once.
/// </summary>
internal sealed partial class AgentProcess : IDisposable
{
    private const int SigTerm = 15;
    private readonly Process _process;
    private readonly ILogger _logger;
    private readonly long _startedAt = Stopwatch.GetTimestamp();

    private AgentProcess(int index, string name, Process process, ILogger logger)
    {
        Index = index;
        Name = name;
        _process = process;
        _logger = logger;
    }

    public int Index { get; }
    public string Name { get; }
    public bool Draining { get; private set; }
    public TimeSpan? ReadyAfter { get; private set; }
    public bool Exited => _process.HasExited;
    public int ProcessId => _process.Id;

    public static AgentProcess Start(int index, string name, string program, IEnumerable<string> arguments, string? enrollmentToken, ILogger logger)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        // The token travels by environment, not on the command line `ps` shows.
        if (enrollmentToken is not null) start.Environment["BATON_ENROLLMENT_TOKEN"] = enrollmentToken;
        var process = Process.Start(start) ?? throw new ScalingProviderException($"could not start {program}");
        var agent = new AgentProcess(index, name, process, logger);
        process.OutputDataReceived += (_, e) => agent.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => agent.OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return agent;
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        if (ReadyAfter is null && line.Contains(" ready with ", StringComparison.Ordinal)) ReadyAfter = Stopwatch.GetElapsedTime(_startedAt);
        if (line.Contains("fail", StringComparison.OrdinalIgnoreCase) || line.Contains("warn", StringComparison.OrdinalIgnoreCase))
        {
            _logger.LogWarning("Agent {Name}: {Line}", Name, line);
        }
        else
        {
            _logger.LogDebug("Agent {Name}: {Line}", Name, line);
        }
    }

    /// <summary>Asks the agent to drain; it exits by itself once its jobs are done.</summary>
    public void Drain()
    {
        if (Draining || Exited) return;
        Draining = true;
        Signal(SigTerm);
    }

    /// <summary>Stops the agent now (its running jobs go back to the queue), killing it if it does not exit in time.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (Exited) return;
        // A second SIGTERM stops a draining agent at once. (Not SIGINT: a server started in the background by a
        // shell ignores SIGINT, and its children inherit that.)
        if (!Draining)
        {
            Draining = true;
            Signal(SigTerm);
            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
        Signal(SigTerm);
        using var wait = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            _logger.LogWarning("Agent {Name} did not stop within {Timeout}; killing it", Name, timeout);
            _process.Kill(entireProcessTree: true);
        }
    }

    private void Signal(int signal)
    {
        try
        {
            if (!Exited && Kill(_process.Id, signal) != 0) _logger.LogWarning("Signalling agent {Name} ({Pid}) failed: errno {Errno}", Name, _process.Id, Marshal.GetLastPInvokeError());
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }
    }

    public void Dispose() => _process.Dispose();

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
