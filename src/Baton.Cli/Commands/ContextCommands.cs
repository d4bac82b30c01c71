using System.CommandLine;
using Baton.Cli.Configuration;
using Baton.Cli.Output;

namespace Baton.Cli.Commands;

/// <summary>
/// <c>baton context list|use|show</c>: the saved logins, one per server (and per data folder for <c>baton up</c>),
/// like kubectl's contexts. Commands use the current one unless --server/--key or the environment say otherwise.
/// </summary>
public static class ContextCommands
{
    public static Command Create(CliContext context, GlobalOptions globals)
    {
        var command = new Command("context", "List the saved logins (one per server and data folder) and switch between them");

        var list = new Command("list", "List the saved logins; * marks the current one");
        list.SetAction(parse =>
        {
            var file = CliContextFile.Load(context.ConfigPath);
            if (globals.IsJson(parse))
            {
                JsonOutput.Write(context.Out, new ContextListJson(
                    file.Current, [.. file.Contexts.Select(c => new ListedContextJson(c.Name, c.Server, c.DataDirectory, c.Name == file.Current))]));
                return 0;
            }
            if (file.Contexts.Count == 0)
            {
                context.Out.WriteLine("No saved logins. `baton up` or `baton login --server URL --key KEY` saves one.");
                return 0;
            }
            var table = Tables.Create("CURRENT", "NAME", "SERVER", "DATA");
            foreach (var c in file.Contexts) table.AddTextRow(c.Name == file.Current ? "*" : "", c.Name, c.Server, c.DataDirectory);
            context.Console.Write(table);
            return 0;
        });

        var name = new Argument<string>("name") { Description = "The context to use from now on" };
        var use = new Command("use", "Make a saved login the current one") { name };
        use.SetAction(parse =>
        {
            var file = CliContextFile.Load(context.ConfigPath);
            var wanted = parse.GetValue(name)!;
            var chosen = file.Contexts.FirstOrDefault(c => c.Name == wanted)
                ?? throw new CliException($"no saved login named '{wanted}' (saved: {(file.Contexts.Count == 0 ? "none" : string.Join(", ", file.Contexts.Select(c => c.Name)))}).");
            file.Current = chosen.Name;
            file.Save(context.ConfigPath);
            context.Out.WriteLine($"Using '{chosen.Name}': {chosen.Server}{(chosen.DataDirectory is null ? "" : $" (data: {chosen.DataDirectory})")}.");
            return 0;
        });

        var show = new Command("show", "Show the current login (never its key)");
        show.SetAction(parse =>
        {
            var current = CliContextFile.Load(context.ConfigPath).CurrentContext;
            if (globals.IsJson(parse))
            {
                JsonOutput.Write(context.Out, current is null ? null : new ContextJson(current.Name, current.Server, current.DataDirectory));
                return 0;
            }
            context.Out.WriteLine(current is null
                ? "No current login."
                : $"{current.Name}: {current.Server}{(current.DataDirectory is null ? "" : $" (data: {current.DataDirectory})")}");
            return 0;
        });

        command.Subcommands.Add(list);
        command.Subcommands.Add(use);
        command.Subcommands.Add(show);
        return command;
    }

    /// <summary><c>context list --json</c>: never the keys.</summary>
    internal sealed record ContextListJson(string? Current, IReadOnlyList<ListedContextJson> Contexts);

    internal sealed record ListedContextJson(string Name, string Server, string? DataDirectory, bool Current);

    /// <summary><c>context show --json</c>: never the key.</summary>
    internal sealed record ContextJson(string Name, string Server, string? DataDirectory);
}
