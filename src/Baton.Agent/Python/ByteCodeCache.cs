using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Baton.Agent.Python;

/// <summary>
/// Compiles the runtime module and each cached package to byte code once per interpreter, so no job
/// compiles them again. Python would write the .pyc files itself on first import, but not when the
/// agent's environment sets PYTHONDONTWRITEBYTECODE (then every job would recompile every module it
/// imports from these folders). A failure is logged and ignored: the job then compiles in memory, and
/// reports a syntax error itself.
/// </summary>
public sealed class ByteCodeCache(ILogger logger)
{
    private static readonly TimeSpan CompileLimit = TimeSpan.FromMinutes(2);
    private readonly ConcurrentDictionary<(string Python, string Folder), Lazy<Task>> _compiled = new();

    /// <summary>Completes once <paramref name="folder"/> has been compiled for <paramref name="python"/> (at once after the first time).</summary>
    public Task EnsureAsync(string python, string folder) =>
        _compiled.GetOrAdd((python, folder), key => new Lazy<Task>(() => CompileAsync(key.Python, key.Folder))).Value;

    private async Task CompileAsync(string python, string folder)
    {
        var info = new ProcessStartInfo(python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-s", "-m", "compileall", "-q", folder })
            info.ArgumentList.Add(argument);
        info.Environment.Remove("PYTHONDONTWRITEBYTECODE");
        info.Environment.Remove("PYTHONPYCACHEPREFIX");
        info.Environment.Remove("PYTHONHOME");
        try
        {
            using var process = await ProcessLauncher.StartAsync(info);
            process.StandardInput.Close();
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            using var limit = new CancellationTokenSource(CompileLimit);
            try
            {
                await process.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                logger.LogWarning("Compiling {Folder} with {Python} took longer than {Seconds} s; gave up", folder, python, CompileLimit.TotalSeconds);
                return;
            }

            if (process.ExitCode != 0)
                logger.LogDebug("Compiling {Folder} with {Python} exited with {Code}: {Output}", folder, python, process.ExitCode, (await output) + (await errors));
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            logger.LogDebug(ex, "Could not compile {Folder} with {Python}", folder, python);
        }
    }
}
