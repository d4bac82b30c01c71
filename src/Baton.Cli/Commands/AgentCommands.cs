using System.CommandLine;
using Baton.Cli.Output;
using Baton.Core.Api;

namespace Baton.Cli.Commands;

/// <summary>
/// <c>baton agent list</c>. The agent daemon (<c>baton agent --server URL --token T</c>) is meant to be
/// this same command's own action, set beside its subcommands.
/// </summary>
public static class AgentCommands
{
    public static Command Create(CliContext context, GlobalOptions globals)
    {
        var agent = new Command("agent", "Run an agent (--server URL --token TOKEN), or list the workers that run jobs");

        var shared = new Option<bool>("--shared") { Description = "List the shared agent pool instead (system admin)" };
        var list = new Command("list", "List the tenant's agents") { shared }.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var agents = parse.GetValue(shared) ? await api.ListSharedAgentsAsync(ct) : await api.ListAgentsAsync(ct);
            if (globals.IsJson(parse)) JsonOutput.Write(context.Out, agents);
            else PrintAgents(context, agents.Items);
            return 0;
        });
        agent.Subcommands.Add(list);
        CliApp.AddAgentDaemon(agent, globals);
        return agent;
    }

    private static void PrintAgents(CliContext context, IReadOnlyList<AgentDto> agents)
    {
        if (agents.Count == 0)
        {
            context.Out.WriteLine("No agents. Start one with `baton agent --server URL --token ENROLLMENT_TOKEN`.");
            return;
        }
        var now = context.Time.GetUtcNow();
        var table = Tables.Create("NAME", "ID", "STATE", "GROUP", "PLATFORM", "PYTHON", "JOBS", "LABELS", "HEARTBEAT");
        foreach (var a in agents)
        {
            var pythons = a.Pythons.Count == 0 ? "-" : string.Join(", ", a.Pythons.Select(p => p.Version));
            var labels = a.Labels.Count == 0 ? "-" : string.Join(", ", a.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));
            table.AddTextRow(a.Name, a.Id, a.State, a.Group, $"{a.Os}/{a.Arch}", pythons, $"{a.RunningJobs}/{a.Slots}", labels, Humanize.Ago(a.LastHeartbeatAt, now));
        }
        context.Console.Write(table);
    }
}
