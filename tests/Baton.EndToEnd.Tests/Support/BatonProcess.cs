using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Baton.EndToEnd.Tests.Support;

/// <summary>A real <c>baton</c> process (server, agent, up) whose output is captured and can be awaited.</summary>
public sealed class BatonProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly StringBuilder _all = new();
    private readonly object _gate = new();

    private BatonProcess(Process process) => _process = process;

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_gate) return _all.ToString();
        }
    }

    public static BatonProcess Start(IReadOnlyDictionary<string, string>? env, params string[] args) => StartIn(null, env, args);

    /// <summary>Starts it in <paramref name="workingDirectory"/> (the repository root when null).</summary>
    public static BatonProcess StartIn(string? workingDirectory, IReadOnlyDictionary<string, string>? env, params string[] args)
    {
        var info = Repo.BatonStartInfo(env, args, workingDirectory);
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var wrapper = new BatonProcess(process);
        process.OutputDataReceived += (_, e) => wrapper.Append(e.Data);
        process.ErrorDataReceived += (_, e) => wrapper.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return wrapper;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_gate) _all.AppendLine(line);
        _lines.Enqueue(line);
    }

    /// <summary>Waits for an output line matching <paramref name="pattern"/> and returns the match.</summary>
    public async Task<Match> WaitForAsync(string pattern, TimeSpan? within = null)
    {
        var regex = new Regex(pattern);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < (within ?? TimeSpan.FromSeconds(60)))
        {
            var match = regex.Match(Output);
            if (match.Success) return match;
            if (_process.HasExited)
            {
                await Task.Delay(200);
                match = regex.Match(Output);
                if (match.Success) return match;
                throw new InvalidOperationException($"The process exited ({_process.ExitCode}) before printing /{pattern}/:\n{Output}");
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"No output matched /{pattern}/ within {within ?? TimeSpan.FromSeconds(60)}:\n{Output}");
    }

    /// <summary>SIGKILL: the process gets no chance to clean up.</summary>
    public void KillHard() => _process.Kill(entireProcessTree: false);

    /// <summary>SIGKILL to the process and its children, as when its machine dies (no job process outlives it).</summary>
    public void KillHardWithChildren() => _process.Kill(entireProcessTree: true);

    /// <summary>SIGTERM, as a service manager or Ctrl-C would.</summary>
    public void Terminate() => NativeSignals.Send(_process.Id, NativeSignals.SigTerm);

    public async Task<int> WaitForExitAsync(TimeSpan within)
    {
        using var cts = new CancellationTokenSource(within);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    private bool _disposed;

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        if (!_process.HasExited)
        {
            try
            {
                Terminate();
                await WaitForExitAsync(TimeSpan.FromSeconds(10));
            }
            catch (Exception)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        _process.Dispose();
    }
}

internal static partial class NativeSignals
{
    public const int SigTerm = 15;

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    public static void Send(int pid, int signal)
    {
        if (Kill(pid, signal) != 0) throw new InvalidOperationException($"kill({pid}, {signal}) failed.");
    }

    public static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}") && !IsZombie(pid);

    private static bool IsZombie(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var close = stat.LastIndexOf(')');
            return close > 0 && stat.Length > close + 2 && stat[close + 2] == 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
