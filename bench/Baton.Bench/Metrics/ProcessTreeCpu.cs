using System.Globalization;

namespace Baton.Bench.Metrics;

/// <summary>
/// CPU time of a process and of everything under it, from /proc (Linux): its own time, and its
/// descendants' — those alive (their own and their reaped children's time) and those it reaped
/// (counted in its cutime/cstime). Job processes forked by a warm interpreter are counted when the
/// interpreter reaps them.
/// </summary>
public sealed record ProcessTreeCpu(TimeSpan Own, TimeSpan Descendants)
{
    /// <summary>USER_HZ, the unit of /proc times: 100 on every Linux architecture .NET runs on.</summary>
    private const double TicksPerSecond = 100;

    public static bool IsSupported => OperatingSystem.IsLinux();

    public static ProcessTreeCpu Read(int pid)
    {
        if (!IsSupported) return new ProcessTreeCpu(TimeSpan.Zero, TimeSpan.Zero);
        var all = new Dictionary<int, (int Parent, double Own, double Reaped)>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var id)) continue;
            if (ReadStat(id) is { } stat) all[id] = stat;
        }

        if (!all.TryGetValue(pid, out var root)) return new ProcessTreeCpu(TimeSpan.Zero, TimeSpan.Zero);
        var descendants = root.Reaped;
        var pending = new Queue<int>([pid]);
        while (pending.Count > 0)
        {
            var parent = pending.Dequeue();
            foreach (var (id, stat) in all)
            {
                if (stat.Parent != parent) continue;
                descendants += stat.Own + stat.Reaped;
                pending.Enqueue(id);
            }
        }

        return new ProcessTreeCpu(TimeSpan.FromSeconds(root.Own / TicksPerSecond), TimeSpan.FromSeconds(descendants / TicksPerSecond));
    }

    public static ProcessTreeCpu operator -(ProcessTreeCpu after, ProcessTreeCpu before) =>
        new(after.Own - before.Own, after.Descendants - before.Descendants);

    private static (int Parent, double Own, double Reaped)? ReadStat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // The command name (field 2) is in parentheses and may hold spaces: fields after it are counted from ')'.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        // fields[0] is state (field 3): ppid is field 4, utime/stime/cutime/cstime are fields 14-17.
        double Field(int number) => double.Parse(fields[number - 3], CultureInfo.InvariantCulture);
        return ((int)Field(4), Field(14) + Field(15), Field(16) + Field(17));
    }
}
