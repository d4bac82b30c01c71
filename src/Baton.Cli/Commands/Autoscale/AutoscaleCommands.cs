using System.CommandLine;

namespace Baton.Cli.Commands.Autoscale;

/// <summary><c>baton autoscale …</c>: policies, decisions, forecast, anomalies, and the offline simulator.</summary>
public static class AutoscaleCommands
{
    public static Command Create(CliContext context, GlobalOptions globals)
    {
        var autoscale = new Command("autoscale", "The autoscaler: apply policies, watch decisions, pause a target, forecast, anomalies, simulate a trace");
        autoscale.Subcommands.Add(SimulateCommand.Create(context, globals));
        return autoscale;
    }
}
