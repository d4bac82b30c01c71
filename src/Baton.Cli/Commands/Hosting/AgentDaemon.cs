using System.CommandLine;
using Baton.Agent;
using Microsoft.Extensions.Logging;

namespace Baton.Cli.Commands.Hosting;

/// <summary>
/// <c>baton agent --server URL[,URL2…] --token TOKEN …</c>: runs the agent daemon. Added to the <c>agent</c>
/// command, whose subcommands (<c>list</c>) talk to the API instead.
/// </summary>
public static class AgentDaemon
{
    public static void AddTo(Command agentCommand, GlobalOptions globals)
    {
        var token = new Option<string?>("--token")
        {
            Description = "Enrollment token (needed for the first registration only; default: the BATON_ENROLLMENT_TOKEN environment variable).",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("BATON_ENROLLMENT_TOKEN"),
        };
        var name = new Option<string?>("--name") { Description = "Agent name (default: the machine name)." };
        var slots = new Option<int>("--slots") { Description = "Jobs run at once.", DefaultValueFactory = _ => 4 };
        var labels = new Option<string[]>("--label") { Description = "A label k=v offered to jobs' requirements; repeatable." };
        var data = new Option<string>("--data") { Description = "Folder for the agent's identity, package cache and virtual environments.", DefaultValueFactory = _ => ".baton-agent" };
        var group = new Option<string>("--group") { Description = "The agent group; queues name the groups that serve them.", DefaultValueFactory = _ => "default" };
        var drainOnSigterm = new Option<bool>("--drain-on-sigterm")
        {
            Description = "SIGTERM drains: take no new job, finish the running ones, then exit (a second SIGTERM or Ctrl-C stops at once). For autoscaled agents.",
        };
        var exitWithParent = new Option<int?>("--exit-with-parent") { Description = "Stop when the process with this id ends (agents started by the local autoscaler).", Hidden = true };
        foreach (var option in new Option[] { token, name, slots, labels, group, data, drainOnSigterm, exitWithParent }) agentCommand.Options.Add(option);

        agentCommand.SetAction(async (parse, ct) =>
        {
            // The global --server takes a comma-separated list here: the agent fails over between replicas.
            var urls = (parse.GetValue(globals.Server) ?? "")
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(s => Uri.TryCreate(s, UriKind.Absolute, out var uri) ? uri : throw new ArgumentException($"--server '{s}' is not an absolute URL."))
                .ToList();
            var labelMap = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var label in parse.GetValue(labels) ?? [])
            {
                var eq = label.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0) throw new ArgumentException($"--label '{label}' must look like key=value.");
                labelMap[label[..eq].Trim()] = label[(eq + 1)..].Trim();
            }
            var options = new AgentOptions
            {
                ServerUrls = urls,
                EnrollmentToken = parse.GetValue(token),
                Name = parse.GetValue(name) ?? Environment.MachineName,
                Slots = parse.GetValue(slots),
                Labels = labelMap,
                Group = parse.GetValue(group)!,
                DataDirectory = parse.GetValue(data)!,
            };

            using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            }));
            await using var agent = new BatonAgent(options, loggers, TimeProvider.System);
            using var shutdown = new ShutdownSignal(ct, parse.GetValue(drainOnSigterm) ? agent.Drain : null);
            if (parse.GetValue(exitWithParent) is { } parent) _ = StopWhenParentEndsAsync(parent, shutdown);
            await agent.RunAsync(shutdown.Token);
            return 0;
        });
    }

    // An autoscaled agent must not outlive the server that started it (it would poll a dead address forever).
    private static async Task StopWhenParentEndsAsync(int parentId, ShutdownSignal shutdown)
    {
        while (!shutdown.Token.IsCancellationRequested)
        {
            try
            {
                using var parent = System.Diagnostics.Process.GetProcessById(parentId);
                if (parent.HasExited) break;
            }
            catch (ArgumentException)
            {
                break;
            }
            await Task.Delay(TimeSpan.FromSeconds(2), shutdown.Token).ContinueWith(_ => { }, TaskScheduler.Default);
        }
        try
        {
            shutdown.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The agent stopped on its own meanwhile.
        }
    }
}
