using System.Globalization;

namespace Baton.Agent.Registration;

/// <summary>
/// How busy the agent's machine is, for the server's metrics and the autoscaler: CPU use since the previous sample
/// (from <c>/proc/stat</c>) and memory in use (total less available, from <c>/proc/meminfo</c>). Null off Linux or
/// before a second CPU sample.
/// </summary>
public sealed class UsageProbe
{
    private (long Busy, long Total)? _last;

    /// <summary>Percent of all cores busy since the previous call (0-100).</summary>
    public double? CpuPercent()
    {
        if (Read("/proc/stat") is not { } stat) return null;
        var line = stat.Split('\n').FirstOrDefault(l => l.StartsWith("cpu ", StringComparison.Ordinal));
        if (line is null) return null;
        var ticks = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8)
            .Select(field => long.TryParse(field, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : 0).ToArray();
        if (ticks.Length < 5) return null;
        var total = ticks.Sum();
        var busy = total - ticks[3] - ticks[4];
        double? percent = null;
        if (_last is { } last && total > last.Total) percent = Math.Round(Math.Clamp(100.0 * (busy - last.Busy) / (total - last.Total), 0, 100), 1);
        _last = (busy, total);
        return percent;
    }

    /// <summary>Memory in use: MemTotal less MemAvailable, in MB.</summary>
    public static long? MemoryUsedMb()
    {
        if (Read("/proc/meminfo") is not { } memInfo) return null;
        long? total = null, available = null;
        foreach (var line in memInfo.Split('\n'))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2 || !long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var kb)) continue;
            if (parts[0] == "MemTotal:") total = kb;
            else if (parts[0] == "MemAvailable:") available = kb;
        }
        return total is { } t && available is { } a ? (t - a) / 1024 : null;
    }

    private static string? Read(string path)
    {
        try
        {
            return OperatingSystem.IsLinux() && File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
