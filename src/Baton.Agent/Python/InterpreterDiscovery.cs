using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace Baton.Agent.Python;

/// <summary>
/// Finds Python interpreters: <c>python3</c> and <c>python3.N</c> on PATH and
/// <c>~/.pyenv/versions/*/bin/python3</c>. Every candidate is resolved to its real binary and
/// de-duplicated; pyenv shims are skipped (a shim costs ~180 ms per start). Versions are queried
/// in parallel with a timeout; interpreters older than <see cref="MinimumVersion"/> (the helper
/// module's floor) are left out. Sorted newest first.
/// </summary>
public sealed partial class InterpreterDiscovery(ILogger<InterpreterDiscovery> logger)
{
    public static Version MinimumVersion { get; } = new(3, 8);

    private const string VersionScript = "import sys;print('.'.join(map(str,sys.version_info[:3])))";

    public TimeSpan QueryTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public Task<IReadOnlyList<PythonInterpreter>> DiscoverAsync(CancellationToken cancellationToken) =>
        DiscoverAsync(
            Environment.GetEnvironmentVariable("PATH"),
            Environment.GetFolderPath(Environment.SpecialFolder.UserProfile),
            cancellationToken);

    public async Task<IReadOnlyList<PythonInterpreter>> DiscoverAsync(string? searchPath, string? homeDirectory, CancellationToken cancellationToken)
    {
        var realPaths = new List<string>();
        foreach (var candidate in FindCandidates(searchPath, homeDirectory))
        {
            var real = NativeMethods.ResolveRealPath(candidate);
            if (real is null || IsShim(real) || realPaths.Contains(real, StringComparer.Ordinal))
                continue;
            realPaths.Add(real);
        }

        var queried = await Task.WhenAll(realPaths.Select(path => QueryVersionAsync(path, cancellationToken)));
        var supported = queried.OfType<PythonInterpreter>()
            .Where(interpreter =>
            {
                if (interpreter.Version >= MinimumVersion)
                    return true;
                logger.LogDebug("Ignoring Python {Version} at {Path}: Baton needs {Minimum} or newer", interpreter.VersionText, interpreter.Path, MinimumVersion);
                return false;
            })
            .ToList();
        // Start-up is timed one interpreter at a time, after the parallel version queries warmed the disk cache.
        var found = new List<PythonInterpreter>(supported.Count);
        foreach (var interpreter in supported) found.Add(interpreter with { StartupTime = await MeasureStartupAsync(interpreter.Path, cancellationToken) });
        found = [.. found.OrderByDescending(interpreter => interpreter.Version).ThenBy(interpreter => interpreter.Path, StringComparer.Ordinal)];
        logger.LogInformation("Found {Count} Python interpreter(s): {Interpreters}", found.Count,
            string.Join(", ", found.Select(i => $"{i.VersionText} ({i.Path}, starts in {i.StartupTime.TotalMilliseconds:0} ms)")));
        return found;
    }

    /// <summary>Candidate paths in search order, before symlink resolution; shims are already left out.</summary>
    internal static IReadOnlyList<string> FindCandidates(string? searchPath, string? homeDirectory)
    {
        var candidates = new List<string>();
        foreach (var directory in (searchPath ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            if (IsShimDirectory(directory) || !Directory.Exists(directory))
                continue;
            try
            {
                candidates.AddRange(Directory.EnumerateFiles(directory)
                    .Where(file => PythonName().IsMatch(Path.GetFileName(file)))
                    .Order(StringComparer.Ordinal));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // An unreadable PATH entry is not an error for the agent.
            }
        }

        if (!string.IsNullOrEmpty(homeDirectory))
        {
            var versions = Path.Combine(homeDirectory, ".pyenv", "versions");
            if (Directory.Exists(versions))
            {
                foreach (var version in Directory.EnumerateDirectories(versions).Order(StringComparer.Ordinal))
                {
                    var binary = Path.Combine(version, "bin", "python3");
                    if (File.Exists(binary))
                        candidates.Add(binary);
                }
            }
        }

        return candidates;
    }

    /// <summary>pyenv (and pyenv-virtualenv) shims live in a directory named <c>shims</c>.</summary>
    internal static bool IsShim(string path) => IsShimDirectory(Path.GetDirectoryName(path) ?? "");

    private static bool IsShimDirectory(string directory) =>
        directory.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries).Any(segment => segment == "shims");

    private async Task<PythonInterpreter?> QueryVersionAsync(string path, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(VersionScript);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(QueryTimeout);
        Process? process = null;
        try
        {
            process = Process.Start(info);
            if (process is null)
                return null;
            process.StandardInput.Close();
            var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
            _ = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            var text = (await output).Trim();
            if (process.ExitCode == 0 && Version.TryParse(text, out var version) && version.Major == 3)
                return new PythonInterpreter(path, version);
            logger.LogDebug("Python at {Path} answered '{Output}' with exit code {ExitCode}", path, text, process.ExitCode);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Python at {Path} did not report its version within {Timeout} s; ignoring it", path, QueryTimeout.TotalSeconds);
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or IOException or InvalidOperationException)
        {
            logger.LogDebug(ex, "Could not run {Path}", path);
        }
        finally
        {
            if (process is { HasExited: false })
                process.Kill(entireProcessTree: true);
            process?.Dispose();
        }

        return null;
    }

    private static async Task<TimeSpan> MeasureStartupAsync(string path, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(path) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("pass");
        var clock = Stopwatch.StartNew();
        try
        {
            using var process = Process.Start(info);
            if (process is null) return TimeSpan.MaxValue;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            await process.WaitForExitAsync(timeout.Token);
            return clock.Elapsed;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return TimeSpan.MaxValue;
        }
    }

    [GeneratedRegex(@"^python3(\.\d+)?(\.exe)?$")]
    private static partial Regex PythonName();
}
