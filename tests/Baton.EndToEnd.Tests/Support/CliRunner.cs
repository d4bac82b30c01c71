using System.Diagnostics;

namespace Baton.EndToEnd.Tests.Support;

public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}

/// <summary>Runs one <c>baton</c> CLI command to completion.</summary>
public static class CliRunner
{
    public static Task<CliResult> RunAsync(IReadOnlyDictionary<string, string> env, params string[] args) => RunInAsync(null, env, args);

    /// <summary>Runs it in <paramref name="workingDirectory"/> (the repository root when null).</summary>
    public static Task<CliResult> RunInAsync(string? workingDirectory, IReadOnlyDictionary<string, string> env, params string[] args) =>
        RunWithInputAsync(workingDirectory, env, "", args);

    /// <summary>Runs it with <paramref name="input"/> on its standard input (then closed), as a pipe would give it.</summary>
    public static async Task<CliResult> RunWithInputAsync(string? workingDirectory, IReadOnlyDictionary<string, string> env, string input, params string[] args)
    {
        var info = Repo.BatonStartInfo(env, args, workingDirectory);
        using var process = Process.Start(info)!;
        if (input.Length > 0) await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(cts.Token);
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }
}
