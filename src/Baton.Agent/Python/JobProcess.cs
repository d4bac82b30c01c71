using System.Diagnostics;

namespace Baton.Agent.Python;

/// <summary>
/// A job's running process as the runner sees it, however it was started (a new interpreter or a
/// fork of a warm one): its pid, which leads the job's own process group, its exit, and its stdout
/// and stderr as text.
/// </summary>
internal abstract class JobProcess : IDisposable
{
    public abstract int Pid { get; }

    /// <summary>"cold" or "warm", for the agent's own log.</summary>
    public abstract string Kind { get; }

    /// <summary>The exit code; 128 + the signal number when a signal ended the process.</summary>
    public abstract Task<int> Exited { get; }

    /// <summary>The job's stdout, or null when it never opened (the job died before it connected).</summary>
    public abstract Task<TextReader?> Stdout { get; }

    public abstract Task<TextReader?> Stderr { get; }

    /// <summary>Lets a job that waits, ready, for the server's record of its start run (see <see cref="PythonJobSpec.Started"/>).</summary>
    public virtual Task ReleaseAsync() => Task.CompletedTask;

    /// <summary>Why the job ended outside its own control (its warm interpreter died under it), or null.</summary>
    public virtual string? LostReason => null;

    /// <summary>Signals the job's whole process group.</summary>
    public virtual void Signal(int signal) => ProcessGroup.Signal(Pid, signal);

    /// <summary>After the exit: kills whatever the job left running in its group (background children).</summary>
    public virtual void EndGroup() => Signal(NativeMethods.SigKill);

    public abstract void Dispose();
}

/// <summary>A job in a new interpreter process started by the agent (the cold path).</summary>
internal sealed class ColdJobProcess : JobProcess
{
    private readonly Process _process;

    private ColdJobProcess(Process process)
    {
        _process = process;
        Exited = WaitForExitCodeAsync(process);
    }

    public override int Pid => _process.Id;

    public override string Kind => "cold";

    public override Task<int> Exited { get; }

    public override Task<TextReader?> Stdout => Task.FromResult<TextReader?>(_process.StandardOutput);

    public override Task<TextReader?> Stderr => Task.FromResult<TextReader?>(_process.StandardError);

    /// <summary>Lean start flags: <c>-s</c> skips the user site folder (venvs ignore it anyway), <c>-u</c> streams output unbuffered.</summary>
    public static IReadOnlyList<string> Arguments { get; } = ["-s", "-u", "-m", "baton._runner"];

    public static async Task<ColdJobProcess> StartAsync(string python, string workDirectory, IReadOnlyDictionary<string, string> environment)
    {
        var info = new ProcessStartInfo(python)
        {
            WorkingDirectory = workDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in Arguments)
            info.ArgumentList.Add(argument);
        info.Environment.Clear();
        foreach (var (name, value) in environment)
            info.Environment[name] = value;
        var process = await ProcessLauncher.StartAsync(info);
        process.StandardInput.Close();
        return new ColdJobProcess(process);
    }

    public override void Signal(int signal)
    {
        if (OperatingSystem.IsWindows())
            ProcessGroup.Kill(_process);
        else
            base.Signal(signal);
    }

    private static async Task<int> WaitForExitCodeAsync(Process process)
    {
        await process.WaitForExitAsync();
        return process.ExitCode;
    }

    public override void Dispose() => _process.Dispose();
}
