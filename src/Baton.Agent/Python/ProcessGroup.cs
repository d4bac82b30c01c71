using System.Diagnostics;

namespace Baton.Agent.Python;

/// <summary>
/// Signals a job's whole process tree. The job makes itself a session and process-group leader
/// (os.setsid), so its pgid is its pid and <c>kill(-pid)</c> reaches every child it spawned.
/// </summary>
public static class ProcessGroup
{
    /// <summary>SIGTERM to the job's group, then SIGKILL after <paramref name="grace"/> if it has not exited.</summary>
    internal static async Task TerminateAsync(JobProcess process, TimeSpan grace, TimeProvider timeProvider)
    {
        process.Signal(NativeMethods.SigTerm);
        try
        {
            await process.Exited.WaitAsync(grace, timeProvider);
        }
        catch (TimeoutException)
        {
        }

        process.Signal(NativeMethods.SigKill);
    }

    /// <summary>SIGKILL to the group (and the process itself, should it not lead a group yet).</summary>
    public static void Kill(Process process)
    {
        if (OperatingSystem.IsWindows())
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }

            return;
        }

        Signal(process.Id, NativeMethods.SigKill);
    }

    /// <summary>Signals the group <c>-pid</c>; falls back to the pid when no such group exists (the job has not called setsid yet).</summary>
    public static bool Signal(int pid, int signal)
    {
        if (OperatingSystem.IsWindows())
            return false;
        if (NativeMethods.Kill(-pid, signal) == 0)
        {
            // The leader may not have joined its own group yet; make sure it gets the signal too.
            NativeMethods.Kill(pid, signal);
            return true;
        }

        return NativeMethods.Kill(pid, signal) == 0;
    }
}
