using System.Globalization;

namespace Baton.Core.Autoscaling.Simulation;

/// <summary>
/// One row of a load trace: at <see cref="At"/>, <see cref="Submissions"/> jobs of <see cref="Duration"/>
/// each arrive from <see cref="Tenant"/> (through API key <see cref="Key"/>). <see cref="Scheduled"/> rows are
/// schedule fires, known ahead as upcoming fires; <see cref="Failing"/> is the share of them that fail within
/// seconds.
/// </summary>
public sealed record TraceRow(DateTimeOffset At, string Tenant, int Submissions, TimeSpan Duration, string Key, bool Scheduled, double Failing);

/// <summary>
/// Reads a CSV load trace. Header required; columns <c>time</c> (ISO 8601, or seconds from the start),
/// <c>tenant</c>, <c>submissions</c>, <c>duration</c> (seconds per job), and optionally <c>key</c>,
/// <c>scheduled</c> (0/1) and <c>failing</c> (0–1). Lines starting with <c>#</c> are comments.
/// </summary>
public static class LoadTrace
{
    public const int MaxRows = 2_000_000;
    private static readonly DateTimeOffset Epoch = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);

    public static IReadOnlyList<TraceRow> Parse(string csv)
    {
        var reader = new LineReader(csv);
        var header = reader.Next(out var lineNumber) ?? throw new FormatException("the trace is empty: a header line (time,tenant,submissions,duration) is required");
        var columns = header.Split(',').Select(c => c.Trim().ToLowerInvariant()).ToArray();
        int Column(string name, bool required)
        {
            var index = Array.IndexOf(columns, name);
            if (index < 0 && required) throw new FormatException($"line {lineNumber}: the header has no '{name}' column (required: time, tenant, submissions, duration)");
            return index;
        }
        var time = Column("time", true);
        var tenant = Column("tenant", true);
        var submissions = Column("submissions", true);
        var duration = Column("duration", true);
        var key = Column("key", false);
        var scheduled = Column("scheduled", false);
        var failing = Column("failing", false);

        var rows = new List<TraceRow>();
        while (reader.Next(out var number) is { } line)
        {
            var cells = line.Split(',');
            if (cells.Length != columns.Length) throw new FormatException($"line {number}: {cells.Length} fields, the header has {columns.Length}");
            string Cell(int index) => cells[index].Trim();
            var row = new TraceRow(
                ReadTime(Cell(time), number),
                Cell(tenant).Length > 0 ? Cell(tenant) : throw new FormatException($"line {number}: tenant is empty"),
                int.TryParse(Cell(submissions), NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count <= 1_000_000
                    ? count : throw new FormatException($"line {number}: submissions must be a whole number from 0 to 1,000,000, not '{Cell(submissions)}'"),
                double.TryParse(Cell(duration), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 && seconds <= 86_400
                    ? TimeSpan.FromSeconds(seconds) : throw new FormatException($"line {number}: duration must be seconds above 0 and at most a day, not '{Cell(duration)}'"),
                key >= 0 && Cell(key).Length > 0 ? Cell(key) : Cell(tenant) + "-key",
                scheduled >= 0 && Cell(scheduled) is "1" or "true" or "yes",
                failing >= 0 && Cell(failing).Length > 0
                    ? double.TryParse(Cell(failing), NumberStyles.Float, CultureInfo.InvariantCulture, out var share) && share is >= 0 and <= 1
                        ? share : throw new FormatException($"line {number}: failing must be a share from 0 to 1, not '{Cell(failing)}'")
                    : 0);
            rows.Add(row);
            if (rows.Count > MaxRows) throw new FormatException($"the trace has more than {MaxRows:N0} rows");
        }
        if (rows.Count == 0) throw new FormatException("the trace has no rows");
        return [.. rows.OrderBy(r => r.At)];
    }

    private static DateTimeOffset ReadTime(string text, int line)
    {
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0 && seconds < 1e9) return Epoch.AddSeconds(seconds);
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)) return at;
        throw new FormatException($"line {line}: time must be ISO 8601 (2026-03-02T09:00:00Z) or seconds from the start, not '{text}'");
    }

    /// <summary>Lines that carry data (no blanks, no comments), with their numbers for errors.</summary>
    private sealed class LineReader(string text)
    {
        private readonly string[] _lines = text.Split('\n');
        private int _number;

        public string? Next(out int number)
        {
            while (_number < _lines.Length)
            {
                var line = _lines[_number++].TrimEnd('\r');
                if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#')) continue;
                number = _number;
                return line;
            }
            number = _number;
            return null;
        }
    }
}
