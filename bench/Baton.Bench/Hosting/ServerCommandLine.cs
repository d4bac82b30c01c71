using System.Reflection;

namespace Baton.Bench.Hosting;

/// <summary>
/// How to start the <c>baton</c> CLI: the executable and the arguments before the verb
/// (<c>dotnet baton.dll server …</c> or <c>baton server …</c>).
/// </summary>
public sealed record ServerCommandLine(string FileName, IReadOnlyList<string> LeadingArguments)
{
    private const string CliAssemblyName = "baton";

    /// <summary><c>dotnet PATH/baton.dll</c>.</summary>
    public static ServerCommandLine DotnetDll(string batonDll) => new("dotnet", [Path.GetFullPath(batonDll)]);

    /// <summary>
    /// The <c>baton</c> CLI this process is running: its apphost as is, or, when started as
    /// <c>dotnet baton.dll</c> (the process is then <c>dotnet</c>), <c>dotnet</c> with the entry assembly.
    /// </summary>
    public static ServerCommandLine OfThisProcess()
    {
        var entry = Assembly.GetEntryAssembly();
        if (entry?.GetName().Name != CliAssemblyName)
        {
            throw new InvalidOperationException(
                $"The bench starts its server with the baton CLI, but this process runs '{entry?.GetName().Name}'. Use the in-process server or pass the CLI's command line.");
        }
        var process = Environment.ProcessPath ?? throw new InvalidOperationException("The path of this process's executable is unknown.");
        var name = Path.GetFileNameWithoutExtension(process);
        if (!string.Equals(name, "dotnet", StringComparison.OrdinalIgnoreCase)) return new ServerCommandLine(process, []);
        var dll = entry.Location;
        if (string.IsNullOrEmpty(dll)) throw new InvalidOperationException("The baton CLI's assembly has no file location to pass to dotnet.");
        return new ServerCommandLine(process, [dll]);
    }
}
