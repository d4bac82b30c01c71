namespace Baton.Agent.Python.Warm;

/// <summary>
/// A job forked from a warm interpreter. Its parent is the warm interpreter, not the agent, so its
/// exit arrives as an event from there; signals go straight to its process group.
/// </summary>
internal sealed class WarmJobProcess : JobProcess
{
    /// <summary>How long after the job's exit a stream that has not connected is waited for.</summary>
    private static readonly TimeSpan LateConnectLimit = TimeSpan.FromSeconds(2);

    private readonly JobOutputChannels _output;
    private readonly bool _gated;
    private readonly TimeProvider _timeProvider;
    private readonly TaskCompletionSource<int> _exit = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? _lostReason;

    public WarmJobProcess(int pid, JobOutputChannels output, bool gated, TimeProvider timeProvider)
    {
        Pid = pid;
        _output = output;
        _gated = gated;
        _timeProvider = timeProvider;
    }

    public override int Pid { get; }

    public override string Kind => "warm";

    public override Task<int> Exited => _exit.Task;

    public override Task<TextReader?> Stdout => _output.Stdout;

    public override Task<TextReader?> Stderr => _output.Stderr;

    public override string? LostReason => Volatile.Read(ref _lostReason);

    /// <summary>A gated job waits for one byte on its stdout connection before it runs (see _forkserver.py).</summary>
    public override Task ReleaseAsync() => _gated ? _output.ReleaseAsync(Exited) : Task.CompletedTask;

    /// <summary>
    /// The warm interpreter killed the group before it reaped the job, when the group id could not yet
    /// name another process; only a job lost with its interpreter may have left children behind.
    /// </summary>
    public override void EndGroup()
    {
        if (LostReason is not null)
            base.EndGroup();
    }

    internal void SetExited(int code)
    {
        if (_exit.TrySetResult(code))
            _ = GiveUpOnLateStreamsAsync();
    }

    /// <summary>The warm interpreter died: its death signal killed this job too.</summary>
    internal void SetLost(string reason)
    {
        Volatile.Write(ref _lostReason, reason);
        SetExited(128 + NativeMethods.SigKill);
    }

    private async Task GiveUpOnLateStreamsAsync()
    {
        await Task.Delay(LateConnectLimit, _timeProvider);
        _output.GiveUp();
    }

    public override void Dispose() => _output.Dispose();
}
