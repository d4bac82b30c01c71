using Spectre.Console;

namespace Baton.Bench.Metrics;

/// <summary>Prints a <see cref="BenchResult"/> as a table: one row per metric, percentiles in columns.</summary>
public static class ResultTable
{
    public static void Write(IAnsiConsole console, BenchResult result)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(result);
        var table = new Table().Title($"baton bench {Markup.Escape(result.Scenario)} ({Markup.Escape(result.Backend)})")
            .AddColumn("metric").AddColumn(new TableColumn("p50").RightAligned()).AddColumn(new TableColumn("p95").RightAligned())
            .AddColumn(new TableColumn("p99").RightAligned()).AddColumn(new TableColumn("max").RightAligned())
            .AddColumn(new TableColumn("samples / value").RightAligned());
        foreach (var (name, value) in result.Metrics)
        {
            if (value is Percentiles p)
            {
                table.AddRow(Markup.Escape(name), BenchResult.Format(p.P50), BenchResult.Format(p.P95), BenchResult.Format(p.P99),
                    BenchResult.Format(p.Max), p.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                table.AddRow(Markup.Escape(name), "", "", "", "", BenchResult.Format((double)value));
            }
        }
        console.Write(table);
        foreach (var note in result.Notes) console.MarkupLine($"[grey]{Markup.Escape(note)}[/]");
    }
}
