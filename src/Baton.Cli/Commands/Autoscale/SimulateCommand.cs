using System.CommandLine;
using System.Globalization;
using Baton.Cli.Output;
using Baton.Core.Autoscaling;
using Baton.Core.Autoscaling.Simulation;

namespace Baton.Cli.Commands.Autoscale;

/// <summary>
/// <c>baton autoscale simulate --policy FILE --trace FILE [--plot FILE.png|.svg] [--compare]</c>: replays a load
/// trace through the real policy engine, forecaster and anomaly detector in virtual time, offline.
/// </summary>
public static class SimulateCommand
{
    public static Command Create(CliContext context, GlobalOptions globals)
    {
        var policy = new Option<FileInfo>("--policy") { Description = "A scaling policy (YAML, one policy)", Required = true };
        var trace = new Option<FileInfo>("--trace") { Description = "A load trace (CSV: time,tenant,submissions,duration[,key,scheduled,failing])", Required = true };
        var plot = new Option<string?>("--plot") { Description = "Write a chart of agents and pending jobs over time (.png or .svg)" };
        var compare = new Option<bool>("--compare") { Description = "Also replay reactive alone (predictive off), and print both" };
        var noAnomalies = new Option<bool>("--no-anomalies") { Description = "Replay without the anomaly detector" };
        var agentStart = new Option<double>("--agent-start") { Description = "Seconds from starting an agent to it taking work", DefaultValueFactory = _ => 60 };
        var slots = new Option<int?>("--slots") { Description = "Slots per agent (default: the policy's slotsPerReplica, the local provider's slots, else 4)" };
        var tenantConcurrency = new Option<int?>("--tenant-concurrency") { Description = "Most jobs of one tenant at once (its tier quota); default no cap" };
        var events = new Option<int>("--events") { Description = "Scale events to list", DefaultValueFactory = _ => 15 };
        var plotFrom = new Option<DateTimeOffset?>("--plot-from") { Description = "Start of the charted window (ISO 8601)" };
        var plotTo = new Option<DateTimeOffset?>("--plot-to") { Description = "End of the charted window (ISO 8601)" };
        var command = new Command("simulate", "Replay a load trace through the autoscaler in virtual time: agent-minutes, job waits, scale events")
        {
            policy, trace, plot, compare, noAnomalies, agentStart, slots, tenantConcurrency, events, plotFrom, plotTo,
        };
        command.SetAction(parse =>
        {
            var read = ScalingPolicyReader.ReadOne(ReadFile(parse.GetValue(policy)!));
            if (!read.Succeeded) throw new CliException($"the policy is refused: {string.Join("; ", read.Errors)}");
            IReadOnlyList<TraceRow> rows;
            try
            {
                rows = LoadTrace.Parse(ReadFile(parse.GetValue(trace)!));
            }
            catch (FormatException e)
            {
                throw new CliException($"the trace is refused: {e.Message}");
            }
            if (parse.GetValue(agentStart) is < 0 or > 3600) throw new CliException("--agent-start must be 0 to 3600 seconds.");
            if (parse.GetValue(slots) is < 1 or > 1024) throw new CliException("--slots must be 1 to 1024.");
            var options = new SimulationOptions
            {
                AgentStartDelay = TimeSpan.FromSeconds(parse.GetValue(agentStart)),
                SlotsPerAgent = parse.GetValue(slots),
                TenantConcurrency = parse.GetValue(tenantConcurrency),
                Anomalies = !parse.GetValue(noAnomalies),
            };
            var scaling = read.Policies[0];
            var hasForecast = scaling.Predictive.Mode != PredictiveMode.Off;
            var reports = new List<SimulationReport>();
            if (parse.GetValue(compare) && hasForecast) reports.Add(FleetSimulator.Run(scaling, rows, options with { Predictive = false, Label = "reactive" }));
            reports.Add(FleetSimulator.Run(scaling, rows, options with { Label = hasForecast ? "reactive + predictive" : "reactive" }));

            if (globals.IsJson(parse))
            {
                JsonOutput.Write(context.Out, reports.Select(r => new
                {
                    r.Label, r.Start, r.End, r.AgentMinutes, r.Jobs, r.WaitP50Seconds, r.WaitP95Seconds, r.WaitP99Seconds, r.MaxWaitSeconds,
                    r.PeakAgents, r.WaitP95ByTenant,
                    ScaleEvents = r.ScaleEvents.Select(e => new { e.At, e.From, e.To, e.Rule, e.Explanation }),
                    Anomalies = r.Anomalies,
                }));
            }
            else
            {
                Print(context, reports, parse.GetValue(events));
            }
            if (parse.GetValue(plot) is { } file)
            {
                SimulationChart.Save(file, reports, parse.GetValue(plotFrom), parse.GetValue(plotTo));
                if (!globals.IsJson(parse)) context.Out.WriteLine($"Chart written to {file}.");
            }
            return 0;
        });
        return command;
    }

    private static string ReadFile(FileInfo file) =>
        file.Exists ? File.ReadAllText(file.FullName) : throw new CliException($"{file.FullName}: no such file.");

    private static void Print(CliContext context, List<SimulationReport> reports, int events)
    {
        var first = reports[0];
        context.Out.WriteLine($"Replayed {first.Start:yyyy-MM-dd HH:mm} – {first.End:yyyy-MM-dd HH:mm} UTC, {first.Jobs:N0} jobs.");
        var table = Tables.Create("RUN", "AGENT-MINUTES", "WAIT P50", "WAIT P95", "WAIT P99", "PEAK AGENTS", "SCALE EVENTS", "ANOMALIES");
        foreach (var r in reports)
        {
            table.AddTextRow(r.Label, r.AgentMinutes.ToString("N0", CultureInfo.InvariantCulture), Seconds(r.WaitP50Seconds), Seconds(r.WaitP95Seconds),
                Seconds(r.WaitP99Seconds), r.PeakAgents.ToString(CultureInfo.InvariantCulture), r.ScaleEvents.Count.ToString(CultureInfo.InvariantCulture),
                r.Anomalies.Count.ToString(CultureInfo.InvariantCulture));
        }
        context.Console.Write(table);
        if (reports.Count == 2)
        {
            var (a, b) = (reports[0], reports[1]);
            context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{b.Label} vs {a.Label}: p95 wait {Ratio(b.WaitP95Seconds, a.WaitP95Seconds)}, agent-minutes {Percent(b.AgentMinutes, a.AgentMinutes)}."));
        }
        var last = reports[^1];
        context.Out.WriteLine($"p95 wait by tenant ({last.Label}): {string.Join(", ", last.WaitP95ByTenant.Select(t => $"{t.Key} {Seconds(t.Value)}"))}");
        if (last.Anomalies.Count > 0)
        {
            context.Out.WriteLine();
            context.Out.WriteLine($"Anomalies ({last.Label}):");
            foreach (var anomaly in last.Anomalies.Where(a => a.Kind != Core.Autoscaling.Anomalies.AnomalyKinds.Spike).Take(events))
            {
                context.Out.WriteLine($"  {anomaly.At:ddd HH:mm:ss}  {anomaly.Kind,-18} {anomaly.Subject}: {anomaly.Detail}");
            }
            var spikes = last.Anomalies.Count(a => a.Kind == Core.Autoscaling.Anomalies.AnomalyKinds.Spike);
            if (spikes > 0) context.Out.WriteLine($"  and {spikes} spike(s) held until they lasted");
        }
        if (events > 0 && last.ScaleEvents.Count > 0)
        {
            context.Out.WriteLine();
            context.Out.WriteLine($"Scale events ({last.Label}, first {Math.Min(events, last.ScaleEvents.Count)} of {last.ScaleEvents.Count}):");
            foreach (var e in last.ScaleEvents.Take(events)) context.Out.WriteLine($"  {e.At:ddd HH:mm:ss}  {e.From,3} → {e.To,-3} {e.Explanation}");
        }
    }

    private static string Seconds(double seconds) => seconds < 120
        ? seconds.ToString("0", CultureInfo.InvariantCulture) + " s"
        : (seconds / 60).ToString("0.0", CultureInfo.InvariantCulture) + " min";

    private static string Ratio(double value, double baseline) => baseline <= 0
        ? "n/a"
        : value <= 0 ? "cut to 0" : (baseline / value).ToString("0.0", CultureInfo.InvariantCulture) + "× lower";

    private static string Percent(double value, double baseline) =>
        baseline <= 0 ? "n/a" : ((value / baseline - 1) * 100).ToString("+0.0;-0.0", CultureInfo.InvariantCulture) + " %";
}
