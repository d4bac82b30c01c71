using System.Runtime.InteropServices;

namespace Baton.Agent.Python;

/// <summary>The few libc calls .NET does not expose: signalling a process group and realpath(3).</summary>
internal static partial class NativeMethods
{
    public const int SigKill = 9;
    public const int SigTerm = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial nint RealPath(string path, nint resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void Free(nint pointer);

    /// <summary>The canonical path with every symlink (files and directories) resolved, or null when it does not exist.</summary>
    public static string? ResolveRealPath(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            try
            {
                var full = Path.GetFullPath(path);
                if (!File.Exists(full))
                    return null;
                return new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full;
            }
            catch (IOException)
            {
                return null;
            }
        }

        var pointer = RealPath(path, 0);
        if (pointer == 0)
            return null;
        try
        {
            return Marshal.PtrToStringUTF8(pointer);
        }
        finally
        {
            Free(pointer);
        }
    }
}
