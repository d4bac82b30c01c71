using Baton.Core.Autoscaling.Simulation;
using ScottPlot;

namespace Baton.Cli.Commands.Autoscale;

/// <summary>Draws replays with ScottPlot: agents (and the forecast) on the left axis, pending jobs on the right, PNG or SVG.</summary>
public static class SimulationChart
{
    public const int Width = 1400;
    public const int Height = 600;

    public static void Save(string path, IReadOnlyList<SimulationReport> reports, DateTimeOffset? from, DateTimeOffset? to)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var colour = 0;
        foreach (var report in reports)
        {
            var points = report.Timeline.Where(p => (from is null || p.At >= from) && (to is null || p.At <= to)).ToList();
            if (points.Count == 0) continue;
            var xs = points.Select(p => p.At.UtcDateTime.ToOADate()).ToArray();
            var prefix = reports.Count > 1 ? report.Label + ": " : "";

            var agents = plot.Add.Scatter(xs, points.Select(p => (double)p.Agents).ToArray());
            agents.ConnectStyle = ConnectStyle.StepHorizontal;
            agents.LegendText = prefix + "agents";
            agents.LineWidth = 2;
            agents.Color = palette.GetColor(colour);
            agents.MarkerSize = 0;

            if (points.Any(p => p.ForecastReplicas is not null))
            {
                var forecast = plot.Add.Scatter(xs, points.Select(p => (double)(p.ForecastReplicas ?? 0)).ToArray());
                forecast.ConnectStyle = ConnectStyle.StepHorizontal;
                forecast.LegendText = prefix + "forecast needs";
                forecast.LinePattern = LinePattern.Dotted;
                forecast.Color = palette.GetColor(colour);
                forecast.MarkerSize = 0;
            }

            var pending = plot.Add.Scatter(xs, points.Select(p => (double)p.Pending).ToArray());
            pending.LegendText = prefix + "pending jobs";
            pending.LinePattern = LinePattern.Dashed;
            pending.Color = palette.GetColor(colour).WithAlpha(0.6);
            pending.MarkerSize = 0;
            pending.Axes.YAxis = plot.Axes.Right;
            colour++;
        }
        plot.Axes.DateTimeTicksBottom();
        plot.Axes.Left.Label.Text = "agents";
        plot.Axes.Right.Label.Text = "pending jobs";
        plot.Axes.Bottom.Label.Text = "time (UTC)";
        plot.Title(string.Join(" vs ", reports.Select(r => r.Label)));
        plot.ShowLegend(Alignment.UpperRight);

        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        if (path.EndsWith(".svg", StringComparison.OrdinalIgnoreCase)) plot.SaveSvg(path, Width, Height);
        else plot.SavePng(path, Width, Height);
    }
}
