using System.CommandLine;
using System.Globalization;
using Baton.Cli.Output;
using Baton.Core.Api;

namespace Baton.Cli.Commands.Autoscale;

/// <summary>
/// <c>baton autoscale apply FILE | status | decisions | pause TARGET | resume TARGET | forecast TARGET | anomalies |
/// delete TARGET | simulate</c>: the autoscaler, for system admins (simulate runs offline).
/// </summary>
public static class AutoscaleCommands
{
    public static Command Create(CliContext context, GlobalOptions globals)
    {
        var autoscale = new Command("autoscale", "The autoscaler: apply policies, watch decisions, pause a target, forecast, anomalies, simulate a trace");
        autoscale.Subcommands.Add(ApplyCommand(context, globals));
        autoscale.Subcommands.Add(StatusCommand(context, globals));
        autoscale.Subcommands.Add(DecisionsCommand(context, globals));
        autoscale.Subcommands.Add(PauseCommand(context, globals, pause: true));
        autoscale.Subcommands.Add(PauseCommand(context, globals, pause: false));
        autoscale.Subcommands.Add(ForecastCommand(context, globals));
        autoscale.Subcommands.Add(AnomaliesCommand(context, globals));
        autoscale.Subcommands.Add(DeleteCommand(context, globals));
        autoscale.Subcommands.Add(SimulateCommand.Create(context, globals));
        return autoscale;
    }

    private static Command ApplyCommand(CliContext context, GlobalOptions globals)
    {
        var file = new Argument<FileInfo>("file") { Description = "A policy file in the seed's YAML (several policies separated by ---)" };
        var command = new Command("apply", "Apply scaling policies (a target's pause and state are kept)") { file };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists) throw new CliException($"{path.FullName}: no such file.");
            var applied = await api.ApplyAutoscalePolicyAsync(await File.ReadAllTextAsync(path.FullName, ct), ct);
            if (globals.IsJson(parse)) JsonOutput.Write(context.Out, applied);
            else foreach (var t in applied.Targets) context.Out.WriteLine($"Applied '{t.Name}' to {t.Target}: {t.MinReplicas}–{t.MaxReplicas} through {t.Provider}, forecast {t.Predictive}{(t.Paused ? " (paused)" : "")}.");
            return 0;
        });
    }

    private static Command StatusCommand(CliContext context, GlobalOptions globals) =>
        new Command("status", "Every scaled target: replicas, limits, forecast, the last evaluation").WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var status = await api.GetAutoscaleStatusAsync(ct);
            if (globals.IsJson(parse))
            {
                JsonOutput.Write(context.Out, status);
                return 0;
            }
            if (status.Targets.Count == 0)
            {
                context.Out.WriteLine("No scaling policy applied. Apply one with: baton autoscale apply FILE");
                return 0;
            }
            var table = Tables.Create("TARGET", "POLICY", "PROVIDER", "REPLICAS", "LIMITS", "FORECAST", "STATE", "LAST EVALUATION");
            foreach (var t in status.Targets)
            {
                table.AddTextRow(t.Target, t.Name, t.Provider, t.Replicas?.ToString(CultureInfo.InvariantCulture) ?? "-", $"{t.MinReplicas}–{t.MaxReplicas}",
                    t.Predictive == "off" ? "off" : $"{t.ForecastReplicas?.ToString(CultureInfo.InvariantCulture) ?? "-"} ({t.Predictive})",
                    t.Paused ? "paused" : "active", t.EvaluatedAt is { } at ? $"{Humanize.Timestamp(at, context.Zone)}: {t.LastExplanation}" : "not yet");
            }
            context.Console.Write(table);
            return 0;
        });

    private static Command DecisionsCommand(CliContext context, GlobalOptions globals)
    {
        var target = CommandActions.OptionalArgument("target", "Only this target (api, worker/GROUP, …)");
        var limit = new Option<int>("--limit") { Description = "How many, newest first", DefaultValueFactory = _ => 20 };
        var command = new Command("decisions", "Recorded scaling decisions, newest first, each with its reason") { target, limit };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var page = await api.ListAutoscaleDecisionsAsync(parse.GetValue(target), parse.GetValue(limit), ct);
            if (globals.IsJson(parse))
            {
                JsonOutput.Write(context.Out, page);
                return 0;
            }
            if (page.Items.Count == 0) context.Out.WriteLine("No scaling decisions yet.");
            var table = Tables.Create("TIME", "TARGET", "FROM", "TO", "RULE", "WHY");
            foreach (var d in page.Items)
            {
                table.AddTextRow(Humanize.Timestamp(d.At, context.Zone), d.Target, d.From.ToString(CultureInfo.InvariantCulture), d.To.ToString(CultureInfo.InvariantCulture), d.Rule, d.Explanation);
            }
            if (page.Items.Count > 0) context.Console.Write(table);
            return 0;
        });
    }

    private static Command PauseCommand(CliContext context, GlobalOptions globals, bool pause)
    {
        var target = CommandActions.RequiredArgument("target", "The target (api, worker/GROUP, agent-manager, scheduler, notification)");
        var command = new Command(pause ? "pause" : "resume",
            pause ? "Pause a target: the autoscaler keeps evaluating and says what it would do, but changes nothing" : "Resume a paused target") { target };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var t = await api.PauseAutoscaleTargetAsync(parse.GetValue(target)!, pause, ct);
            if (globals.IsJson(parse)) JsonOutput.Write(context.Out, t);
            else context.Out.WriteLine(t.Paused ? $"{t.Target} is paused at {t.Replicas?.ToString(CultureInfo.InvariantCulture) ?? "?"} replicas." : $"{t.Target} is scaled again.");
            return 0;
        });
    }

    private static Command ForecastCommand(CliContext context, GlobalOptions globals)
    {
        var target = CommandActions.RequiredArgument("target", "A worker target (worker/GROUP)");
        var hours = new Option<double>("--hours") { Description = "How far ahead", DefaultValueFactory = _ => 24 };
        var command = new Command("forecast", "The next hours of demand (history and upcoming fires) and the agents each 5 minutes needs") { target, hours };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var forecast = await api.GetAutoscaleForecastAsync(parse.GetValue(target)!, parse.GetValue(hours), ct);
            if (globals.IsJson(parse))
            {
                JsonOutput.Write(context.Out, forecast);
                return 0;
            }
            context.Out.WriteLine($"{forecast.Target}, forecast {forecast.Mode}, lead time {forecast.LeadTime.TotalSeconds:0} s: {forecast.ReplicasNow} agent(s) wanted now ({forecast.Note}).");
            // Hours with nothing in them would bury the busy ones: show the buckets with demand, and every hour.
            var table = Tables.Create("FROM (UTC)", "HISTORY AGENT-S", "SCHEDULED AGENT-S", "AGENTS", "METHOD");
            foreach (var b in forecast.Buckets.Where(b => b.ForecastAgentSeconds + b.ScheduledAgentSeconds > 0 || b.Start.Minute == 0))
            {
                table.AddTextRow(b.Start.ToString("ddd HH:mm", CultureInfo.InvariantCulture), b.ForecastAgentSeconds.ToString("0", CultureInfo.InvariantCulture),
                    b.ScheduledAgentSeconds.ToString("0", CultureInfo.InvariantCulture), b.Replicas.ToString(CultureInfo.InvariantCulture), b.Method);
            }
            context.Console.Write(table);
            return 0;
        });
    }

    private static Command AnomaliesCommand(CliContext context, GlobalOptions globals)
    {
        var limit = new Option<int>("--limit") { Description = "How many, newest first", DefaultValueFactory = _ => 20 };
        var command = new Command("anomalies", "Detected anomalies: spikes held, tenant outliers, failure storms, request and authentication floods") { limit };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var page = await api.ListAnomaliesAsync(parse.GetValue(limit), ct);
            if (globals.IsJson(parse))
            {
                JsonOutput.Write(context.Out, page);
                return 0;
            }
            if (page.Items.Count == 0)
            {
                context.Out.WriteLine("No anomalies detected.");
                return 0;
            }
            var table = Tables.Create("TIME", "TARGET", "KIND", "SUBJECT", "DETAIL");
            foreach (var a in page.Items) table.AddTextRow(Humanize.Timestamp(a.At, context.Zone), a.Target, a.Kind, a.Subject, a.Detail);
            context.Console.Write(table);
            return 0;
        });
    }

    private static Command DeleteCommand(CliContext context, GlobalOptions globals)
    {
        var target = CommandActions.RequiredArgument("target", "The target whose policy to remove");
        var command = new Command("delete", "Remove a target's policy (its replicas stay as they are)") { target };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            await api.DeleteAutoscalePolicyAsync(parse.GetValue(target)!, ct);
            context.Out.WriteLine($"Removed the policy of {parse.GetValue(target)}.");
            return 0;
        });
    }
}
