namespace Baton.Core.Packages;

/// <summary>The CPU and memory a job may request (manifest defaults and submissions alike).</summary>
public static class ResourceRequests
{
    public const decimal MaxCpu = 1024m;
    public const long MaxMemoryMb = 16L * 1024 * 1024;
    public const string CpuRule = "must be a number of cores above 0 and at most 1024, in steps of 0.001";
    public const string MemoryRule = "must be a whole number of MB from 1 to 16777216";

    public static bool IsValidCpu(decimal cores) => cores > 0 && cores <= MaxCpu && decimal.Round(cores, 3) == cores;

    public static bool IsValidMemory(long mb) => mb is >= 1 and <= MaxMemoryMb;
}
