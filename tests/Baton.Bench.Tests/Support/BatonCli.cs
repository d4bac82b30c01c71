using Baton.Bench.Hosting;

namespace Baton.Bench.Tests.Support;

/// <summary>The <c>baton</c> CLI built alongside these tests (same configuration), for child-process servers.</summary>
public static class BatonCli
{
    public static ServerCommandLine Command { get; } = ServerCommandLine.DotnetDll(FindBatonDll());

    private static string FindBatonDll()
    {
        // tests/Baton.Bench.Tests/bin/<Configuration>/net10.0/
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent?.Name ?? "Debug";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "Baton.slnx"))) continue;
            var path = Path.Combine(dir.FullName, "src", "Baton.Cli", "bin", configuration, "net10.0", "baton.dll");
            return File.Exists(path) ? path : throw new InvalidOperationException($"The baton CLI is not built at {path}.");
        }
        throw new InvalidOperationException("Cannot find the repository root (Baton.slnx) above " + AppContext.BaseDirectory);
    }
}
