using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Baton.Server.Hosting;

/// <summary>
/// Raises this process's soft limit on open files to its hard limit (Linux). Every connection costs a
/// descriptor, so a server holding thousands of agents' long-polls, or a bench simulating them, needs
/// the ceiling the administrator allowed, not the distribution's default soft limit.
/// </summary>
public static partial class OpenFileLimit
{
    // RLIMIT_NOFILE on x86, x86-64, ARM and ARM64 Linux (only MIPS and SPARC differ).
    private const int RlimitNofile = 7;

    /// <summary>The current limits, or null off Linux.</summary>
    public static FileDescriptorLimits? Read()
    {
        if (!OperatingSystem.IsLinux()) return null;
        if (GetRLimit(RlimitNofile, out var limit) != 0) throw new Win32Exception(Marshal.GetLastPInvokeError(), "getrlimit(RLIMIT_NOFILE) failed");
        return new FileDescriptorLimits(limit.Current, limit.Maximum);
    }

    /// <summary>
    /// Sets the soft limit to the hard limit. Returns the limits before the change when it raised them,
    /// null when there was nothing to do (already equal, or not Linux).
    /// </summary>
    public static FileDescriptorLimits? RaiseSoftToHard()
    {
        if (Read() is not { } before || before.Soft >= before.Hard) return null;
        SetSoft(before.Hard);
        return before;
    }

    /// <summary>Sets the soft limit (at most the hard limit; lowering it is always allowed).</summary>
    public static void SetSoft(ulong soft)
    {
        if (Read() is not { } current) throw new PlatformNotSupportedException("RLIMIT_NOFILE is only managed on Linux.");
        var limit = new RLimit { Current = (nuint)Math.Min(soft, current.Hard), Maximum = (nuint)current.Hard };
        if (SetRLimit(RlimitNofile, in limit) != 0) throw new Win32Exception(Marshal.GetLastPInvokeError(), "setrlimit(RLIMIT_NOFILE) failed");
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public nuint Current;
        public nuint Maximum;
    }

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetRLimit(int resource, out RLimit limit);

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static partial int SetRLimit(int resource, in RLimit limit);
}
