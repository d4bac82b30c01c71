using System.CommandLine;
using System.Globalization;
using Baton.Cli.Output;
using Baton.Core.Api;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Baton.Cli.Commands;

/// <summary>
/// <c>baton status</c>: the system's figures (<c>GET /api/v1/system/metrics</c>, system admins) as a live terminal
/// view refreshed every few seconds; <c>--once</c> prints one view, <c>--json</c> the figures themselves, for scripts.
/// </summary>
public static class StatusCommand
{
    public static Command Create(CliContext context, GlobalOptions globals)
    {
        var once = new Option<bool>("--once") { Description = "Print the view once and exit (no live refresh)" };
        var interval = new Option<int>("--interval") { Description = "Seconds between refreshes of the live view", DefaultValueFactory = _ => 2 };
        return new Command("status", "Live view of the system: queues, jobs, agents, throughput, server (system admin)") { once, interval }
            .WithApiAction(context, globals, async (parse, api, ct) =>
            {
                var seconds = parse.GetValue(interval);
                if (seconds < 1)
                {
                    context.Error.WriteLine("error: --interval must be at least 1 second.");
                    return 2;
                }
                var first = await api.GetSystemMetricsAsync(ct);
                if (globals.IsJson(parse))
                {
                    JsonOutput.Write(context.Out, first);
                    return 0;
                }
                if (parse.GetValue(once))
                {
                    context.Console.Write(StatusView.Render(first, null, context.Zone));
                    return 0;
                }
                var previous = first;
                try
                {
                    await context.Console.Live(StatusView.Render(first, null, context.Zone)).StartAsync(async live =>
                    {
                        while (!ct.IsCancellationRequested)
                        {
                            await Task.Delay(TimeSpan.FromSeconds(seconds), ct);
                            var now = await api.GetSystemMetricsAsync(ct);
                            live.UpdateTarget(StatusView.Render(now, previous, context.Zone));
                            previous = now;
                        }
                    });
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    // Ctrl-C ends the live view.
                }
                return 0;
            });
    }
}

/// <summary>Builds the status view from one reading of the families (and the previous one, for rates).</summary>
public static class StatusView
{
    private const string Other = "_other";

    public static IRenderable Render(SystemMetricsResponse now, SystemMetricsResponse? before, TimeZoneInfo? zone = null)
    {
        var figures = new Figures(now);
        var seconds = before is null ? 0 : (now.At - before.At).TotalSeconds;
        string Rate(string family) => before is null || seconds <= 0 ? "-" : F((figures.Sum(family) - new Figures(before).Sum(family)) / seconds, "0.0") + "/s";

        var summary = new Grid().AddColumn().AddColumn().AddColumn().AddColumn();
        summary.AddRow(
            Cell("Pending", F(figures.Sum("orchestrator_job_queue_depth"))),
            Cell("Ready", F(figures.Sum("orchestrator_job_queue_ready"))),
            Cell("Running", F(figures.Sum("orchestrator_jobs_active", ("state", "running")))),
            Cell("Assigned", F(figures.Sum("orchestrator_jobs_active", ("state", "assigned")))));
        summary.AddRow(
            Cell("Agents online", F(figures.Sum("orchestrator_agents", ("state", "online")))),
            Cell("Offline", F(figures.Sum("orchestrator_agents", ("state", "offline")))),
            Cell("Slots busy", $"{F(figures.Sum("orchestrator_agent_slots_busy"))}/{F(figures.Sum("orchestrator_agent_slots"))}"),
            Cell("Oldest wait", Age(figures.Max("orchestrator_job_queue_oldest_age_seconds"))));
        summary.AddRow(
            Cell("Finished", Rate("orchestrator_jobs_finished_total")),
            Cell("Submitted", Rate("orchestrator_jobs_submitted_total")),
            Cell("HTTP", Rate("orchestrator_http_requests_total")),
            Cell("Schedules", $"{F(figures.Sum("orchestrator_schedules", ("state", "active")))} active"));

        var queues = new Table().Border(TableBorder.Rounded).Title("[bold]Queues[/] (most pending first)")
            .AddColumns("TENANT", "QUEUE", "PENDING", "READY", "RUNNING", "OLDEST");
        var depth = figures.Series("orchestrator_job_queue_depth").OrderByDescending(s => s.Value).ThenBy(s => s.Labels["tenant"], StringComparer.Ordinal).Take(10).ToList();
        foreach (var queue in depth)
        {
            var key = new[] { ("tenant", queue.Labels["tenant"]), ("queue", queue.Labels["queue"]) };
            queues.AddRow(Markup.Escape(Name(queue.Labels["tenant"])), Markup.Escape(Name(queue.Labels["queue"])), F(queue.Value),
                F(figures.Sum("orchestrator_job_queue_ready", key)), F(figures.Sum("orchestrator_jobs_active", [.. key, ("state", "running")])),
                Age(figures.Max("orchestrator_job_queue_oldest_age_seconds", key)));
        }
        if (depth.Count == 0) queues.AddRow("-", "no pending jobs", "", "", "", "");

        var agents = new Table().Border(TableBorder.Rounded).Title("[bold]Agents[/] by tenant and group").AddColumns("TENANT", "GROUP", "ONLINE", "SLOTS BUSY", "CPU");
        foreach (var group in figures.Series("orchestrator_agent_slots").OrderByDescending(s => s.Value).Take(10))
        {
            var key = new[] { ("tenant", group.Labels["tenant"]), ("group", group.Labels["group"]) };
            var cpu = figures.Series("orchestrator_agent_cpu_usage_percent", key).Select(s => (double?)s.Value).FirstOrDefault();
            agents.AddRow(Markup.Escape(Name(group.Labels["tenant"])), Markup.Escape(Name(group.Labels["group"])),
                F(figures.Sum("orchestrator_agents", [.. key, ("state", "online")])),
                $"{F(figures.Sum("orchestrator_agent_slots_busy", key))}/{F(group.Value)}", cpu is { } c ? F(c, "0") + "%" : "-");
        }

        var server = new Grid().AddColumn().AddColumn().AddColumn().AddColumn();
        server.AddRow(
            Cell("Replica", Markup.Escape(now.Replica)),
            Cell("CPU", F(figures.Sum("orchestrator_process_cpu_usage_ratio") * 100, "0") + "%"),
            Cell("Memory", Humanize.Bytes((long)figures.Sum("orchestrator_process_resident_memory_bytes"))),
            Cell("DB pool busy", F(figures.Sum("orchestrator_db_pool_connections", ("state", "busy")))));
        var at = Humanize.Timestamp(now.FleetReadAt, zone ?? TimeZoneInfo.Utc);
        return new Rows(
            new Panel(summary).Header($"Baton status — fleet figures of {at}").Border(BoxBorder.Rounded),
            queues,
            agents,
            new Panel(server).Header("This server").Border(BoxBorder.Rounded));
    }

    private static Markup Cell(string label, string value) => new($"[grey]{Markup.Escape(label)}[/] [bold]{value}[/]");

    private static string Name(string label) => label == Other ? "(others)" : label;

    private static string F(double value, string format = "#,0") => value.ToString(format, CultureInfo.InvariantCulture);

    private static string Age(double seconds) => seconds <= 0 ? "-" : Humanize.Duration(TimeSpan.FromSeconds(seconds));

    /// <summary>Sums and maxima over one reading's series, by family and labels.</summary>
    private sealed class Figures(SystemMetricsResponse reading)
    {
        private readonly Dictionary<string, MetricFamilyDto> _families = reading.Families.ToDictionary(f => f.Name, StringComparer.Ordinal);

        public IEnumerable<MetricSeriesDto> Series(string family, params (string Name, string Value)[] labels) =>
            _families.TryGetValue(family, out var found)
                ? found.Series.Where(s => labels.All(l => s.Labels.TryGetValue(l.Name, out var v) && v == l.Value))
                : [];

        public double Sum(string family, params (string Name, string Value)[] labels) => Series(family, labels).Sum(s => s.Value);

        public double Max(string family, params (string Name, string Value)[] labels) => Series(family, labels).Select(s => s.Value).DefaultIfEmpty(0).Max();
    }
}
