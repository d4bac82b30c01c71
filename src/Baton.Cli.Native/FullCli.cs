using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Baton.Cli;

/// <summary>
/// The full CLI (baton.dll, run by <c>dotnet</c>), for the commands the native CLI does not hold. On Linux and macOS
/// the native process becomes it (<c>execvp</c>): the same process id, signals, terminal and exit code, as if it had
/// been started directly. Elsewhere it runs as a child whose exit code is returned.
/// </summary>
internal static partial class FullCli
{
    /// <summary>The full CLI's baton.dll (or an executable); default: baton.dll next to the native CLI.</summary>
    public const string Variable = "BATON_FULL_CLI";

    public static async Task<int> RunAsync(string[] args, CliContext context)
    {
        var target = context.GetEnvironmentVariable(Variable) is { Length: > 0 } configured
            ? configured
            : Path.Combine(AppContext.BaseDirectory, "baton.dll");
        if (!File.Exists(target))
        {
            throw new CliException(
                $"'{string.Join(' ', args.Take(1))}' runs in the full Baton CLI, which was not found at {target}: set {Variable} to its baton.dll "
                + "(./baton sets it; see src/Baton.Cli.Native).");
        }
        var (program, arguments) = target.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
            ? (context.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet", (string[])[target, .. args])
            : (target, args);

        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            context.Out.Flush();
            context.Error.Flush();
            Exec(program, [program, .. arguments]);
        }
        var start = new ProcessStartInfo(program) { UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new CliException($"could not start {program}");
        await process.WaitForExitAsync();
        return process.ExitCode;
    }

    /// <summary>Replaces this process with <paramref name="program"/> (searched on PATH); returns only by throwing.</summary>
    private static void Exec(string program, string[] argv)
    {
        var pointers = new nint[argv.Length + 1];
        try
        {
            for (var i = 0; i < argv.Length; i++) pointers[i] = Marshal.StringToCoTaskMemUTF8(argv[i]);
            ExecVp(program, pointers);
            throw new CliException($"could not start {program}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
        finally
        {
            foreach (var pointer in pointers) Marshal.FreeCoTaskMem(pointer);
        }
    }

    [LibraryImport("libc", EntryPoint = "execvp", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int ExecVp(string file, nint[] argv);
}
