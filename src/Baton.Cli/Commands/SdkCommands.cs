using System.CommandLine;
using Baton.Agent.Python;

namespace Baton.Cli.Commands;

/// <summary><c>baton sdk wheel [-o DIR]</c>: the Python SDK (the <c>baton</c> module jobs import) as a wheel, for venvs outside Baton.</summary>
public static class SdkCommands
{
    public static Command Create(CliContext context) => new("sdk", "The Python SDK jobs import (the baton module)") { WheelCommand(context) };

    private static Command WheelCommand(CliContext context)
    {
        var output = new Option<string>("--output", "-o") { Description = "The folder to write the wheel into", DefaultValueFactory = _ => "." };
        var command = new Command("wheel", "Write the SDK's wheel (pip install it into any venv; the same files agents give jobs)") { output };
        command.SetAction(async (parse, ct) =>
        {
            context.Out.WriteLine(await SdkWheel.WriteAsync(Path.GetFullPath(parse.GetValue(output)!), ct));
            return 0;
        });
        return command;
    }
}
