using System.Runtime.InteropServices;
using Baton.Core.AgentProtocol;

namespace Baton.Agent.Registration;

/// <summary>What the agent reports about the machine: OS, architecture and free resources.</summary>
public static class SystemProbe
{
    public static string Os =>
        OperatingSystem.IsLinux() ? "linux"
        : OperatingSystem.IsWindows() ? "windows"
        : OperatingSystem.IsMacOS() ? "macos"
        : RuntimeInformation.OSDescription.ToLowerInvariant();

    public static string Arch => RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant();

    public static AgentResources Resources(string dataDirectory) =>
        new(Environment.ProcessorCount, TotalMemoryMb(), FreeDiskMb(dataDirectory));

    public static long TotalMemoryMb()
    {
        if (OperatingSystem.IsLinux() && File.Exists("/proc/meminfo"))
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
            {
                if (!line.StartsWith("MemTotal:", StringComparison.Ordinal))
                    continue;
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length >= 2 && long.TryParse(parts[1], out var kb))
                    return kb / 1024;
            }
        }

        return GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024 * 1024);
    }

    public static long FreeDiskMb(string directory)
    {
        try
        {
            Directory.CreateDirectory(directory);
            return new DriveInfo(Path.GetFullPath(directory)).AvailableFreeSpace / (1024 * 1024);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return 0;
        }
    }
}
