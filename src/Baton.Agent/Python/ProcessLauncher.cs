using System.Collections.Concurrent;
using System.Diagnostics;

namespace Baton.Agent.Python;

/// <summary>
/// Starts child processes from one dedicated, never-ending thread. Linux delivers
/// PR_SET_PDEATHSIG when the <em>thread</em> that forked the child exits, and thread-pool threads
/// retire when idle — forking from them would kill healthy jobs at random.
/// </summary>
internal static class ProcessLauncher
{
    private static readonly BlockingCollection<(ProcessStartInfo Info, TaskCompletionSource<Process> Started)> Requests = [];
    private static readonly Lazy<Thread> Launcher = new(StartThread);

    public static Task<Process> StartAsync(ProcessStartInfo info)
    {
        _ = Launcher.Value;
        var started = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
        Requests.Add((info, started));
        return started.Task;
    }

    private static Thread StartThread()
    {
        var thread = new Thread(Run) { IsBackground = true, Name = "baton-process-launcher" };
        thread.Start();
        return thread;
    }

    private static void Run()
    {
        foreach (var (info, started) in Requests.GetConsumingEnumerable())
        {
            try
            {
                var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {info.FileName}.");
                started.SetResult(process);
            }
            catch (Exception ex)
            {
                started.SetException(ex);
            }
        }
    }
}
