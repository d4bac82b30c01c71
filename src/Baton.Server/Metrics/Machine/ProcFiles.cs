using System.Globalization;

namespace Baton.Server.Metrics.Machine;

/// <summary>Parsers for the Linux <c>/proc</c> files the system families read (pure: text in, figures out).</summary>
internal static class ProcFiles
{
    /// <summary>Clock ticks per second of <c>/proc/stat</c> (USER_HZ): 100 on every Linux architecture .NET runs on.</summary>
    public const double TicksPerSecond = 100;

    private static readonly string[] CpuModes = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"];

    /// <summary>The machine's CPU time by mode, in seconds, from the first (<c>cpu</c>) line of <c>/proc/stat</c>.</summary>
    public static IReadOnlyDictionary<string, double> CpuSeconds(string procStat)
    {
        var line = procStat.Split('\n').FirstOrDefault(l => l.StartsWith("cpu ", StringComparison.Ordinal));
        var times = new Dictionary<string, double>(StringComparer.Ordinal);
        if (line is null) return times;
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < CpuModes.Length && i + 1 < fields.Length; i++)
        {
            if (long.TryParse(fields[i + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var ticks)) times[CpuModes[i]] = ticks / TicksPerSecond;
        }
        return times;
    }

    /// <summary>A value of <c>/proc/meminfo</c> in bytes (its lines are in kB), or null when absent.</summary>
    public static long? MemInfoBytes(string memInfo, string key)
    {
        foreach (var line in memInfo.Split('\n'))
        {
            if (!line.StartsWith(key + ":", StringComparison.Ordinal)) continue;
            var parts = line[(key.Length + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 1 && long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var kb)) return kb * 1024;
        }
        return null;
    }

    /// <summary>A numeric field of <c>/proc/self/status</c> (e.g. <c>Threads</c>), or null when absent.</summary>
    public static long? StatusValue(string status, string key)
    {
        foreach (var line in status.Split('\n'))
        {
            if (!line.StartsWith(key + ":", StringComparison.Ordinal)) continue;
            var parts = line[(key.Length + 1)..].Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 1 && long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)) return value;
        }
        return null;
    }

    /// <summary>The one-minute load average from <c>/proc/loadavg</c>.</summary>
    public static double? LoadAverage1(string loadAvg)
    {
        var first = loadAvg.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        return double.TryParse(first, NumberStyles.Float, CultureInfo.InvariantCulture, out var load) ? load : null;
    }

    /// <summary>Bytes received and sent per interface from <c>/proc/net/dev</c>, loopback left out.</summary>
    public static IReadOnlyList<(string Interface, long Received, long Sent)> NetworkBytes(string netDev)
    {
        var result = new List<(string, long, long)>();
        foreach (var line in netDev.Split('\n'))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0) continue;
            var name = line[..colon].Trim();
            if (name == "lo") continue;
            var fields = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 9) continue;
            if (long.TryParse(fields[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var received)
                && long.TryParse(fields[8], NumberStyles.Integer, CultureInfo.InvariantCulture, out var sent))
            {
                result.Add((name, received, sent));
            }
        }
        return result;
    }

    /// <summary>
    /// Bytes read and written per device from <c>/proc/diskstats</c> (sectors of 512 bytes), for the devices
    /// <paramref name="isDisk"/> accepts (whole disks: partitions would count the same bytes twice).
    /// </summary>
    public static IReadOnlyList<(string Device, long Read, long Written)> DiskBytes(string diskStats, Func<string, bool> isDisk)
    {
        var result = new List<(string, long, long)>();
        foreach (var line in diskStats.Split('\n'))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 10 || !isDisk(fields[2])) continue;
            if (long.TryParse(fields[5], NumberStyles.Integer, CultureInfo.InvariantCulture, out var read)
                && long.TryParse(fields[9], NumberStyles.Integer, CultureInfo.InvariantCulture, out var written))
            {
                result.Add((fields[2], read * 512, written * 512));
            }
        }
        return result;
    }

    /// <summary>Reads a file, or null when it does not exist or cannot be read (not Linux, a locked-down container).</summary>
    public static string? TryRead(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
