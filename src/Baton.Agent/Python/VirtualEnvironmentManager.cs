using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Baton.Agent.Python;

/// <summary>The outcome of preparing a venv: the interpreter to run, or why pip failed.</summary>
public sealed record VirtualEnvironmentResult(string? PythonPath, string? Error)
{
    public bool Succeeded => PythonPath is not null;
}

/// <summary>
/// Builds one virtual environment per (interpreter real path, version, requirements content) under
/// <c>{root}/{key}/</c>, from the resolved interpreter, and reuses it across jobs. A
/// <c>.baton-ready</c> marker is written last; a folder without it is a broken build and is rebuilt.
/// Concurrent jobs needing the same venv wait for one build.
/// </summary>
public sealed class VirtualEnvironmentManager(string root, ILogger<VirtualEnvironmentManager> logger)
{
    public const string ReadyMarker = ".baton-ready";
    private const int TailLines = 20;

    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);

    public static string KeyFor(PythonInterpreter interpreter, byte[] requirementsContent)
    {
        var head = Encoding.UTF8.GetBytes($"{interpreter.Path}\n{interpreter.VersionText}\n");
        return Convert.ToHexStringLower(SHA256.HashData([.. head, .. requirementsContent]));
    }

    public static string PythonIn(string venv) =>
        OperatingSystem.IsWindows() ? Path.Combine(venv, "Scripts", "python.exe") : Path.Combine(venv, "bin", "python");

    /// <summary>
    /// Returns the venv's python, building the venv first when needed. Build output goes to
    /// <paramref name="output"/> line by line.
    /// </summary>
    public async Task<VirtualEnvironmentResult> EnsureAsync(
        PythonInterpreter interpreter,
        string packageDirectory,
        string requirementsPath,
        Action<string> output,
        CancellationToken cancellationToken)
    {
        var requirementsFile = Path.GetFullPath(Path.Combine(packageDirectory, requirementsPath));
        if (!requirementsFile.StartsWith(Path.GetFullPath(packageDirectory), StringComparison.Ordinal) || !File.Exists(requirementsFile))
            return new VirtualEnvironmentResult(null, $"The requirements file '{requirementsPath}' is not in the package.");
        var key = KeyFor(interpreter, await File.ReadAllBytesAsync(requirementsFile, cancellationToken));
        var venv = Path.Combine(root, key);
        if (File.Exists(Path.Combine(venv, ReadyMarker)))
            return new VirtualEnvironmentResult(PythonIn(venv), null);

        var gate = _locks.GetOrAdd(key, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (File.Exists(Path.Combine(venv, ReadyMarker)))
            {
                output($"Reusing virtual environment {key[..12]}");
                return new VirtualEnvironmentResult(PythonIn(venv), null);
            }

            return await BuildAsync(interpreter, packageDirectory, requirementsFile, venv, output, cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<VirtualEnvironmentResult> BuildAsync(
        PythonInterpreter interpreter, string packageDirectory, string requirementsFile, string venv, Action<string> output, CancellationToken cancellationToken)
    {
        if (Directory.Exists(venv))
        {
            logger.LogWarning("Deleting incomplete virtual environment {Venv}", venv);
            Directory.Delete(venv, recursive: true);
        }

        Directory.CreateDirectory(root);
        var tail = new Queue<string>();
        void Collect(string line)
        {
            output(line);
            lock (tail)
            {
                tail.Enqueue(line);
                if (tail.Count > TailLines)
                    tail.Dequeue();
            }
        }

        output($"Creating virtual environment with Python {interpreter.VersionText} ({interpreter.Path})");
        var succeeded = false;
        try
        {
            var exit = await RunAsync(interpreter.Path, ["-m", "venv", venv], packageDirectory, Collect, cancellationToken);
            if (exit != 0)
                return Failure("python -m venv", exit, tail);
            output($"Installing requirements from {Path.GetFileName(requirementsFile)}");
            exit = await RunAsync(PythonIn(venv), ["-m", "pip", "install", "--disable-pip-version-check", "--no-input", "-r", requirementsFile], packageDirectory, Collect, cancellationToken);
            if (exit != 0)
                return Failure("pip install", exit, tail);
            await File.WriteAllTextAsync(Path.Combine(venv, ReadyMarker), interpreter.Path + "\n", cancellationToken);
            succeeded = true;
            logger.LogInformation("Built virtual environment {Venv}", venv);
            return new VirtualEnvironmentResult(PythonIn(venv), null);
        }
        finally
        {
            if (!succeeded && Directory.Exists(venv))
            {
                try
                {
                    Directory.Delete(venv, recursive: true);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    logger.LogDebug(ex, "Could not delete failed venv {Venv}", venv);
                }
            }
        }
    }

    private static VirtualEnvironmentResult Failure(string step, int exitCode, Queue<string> tail)
    {
        string text;
        lock (tail)
            text = string.Join('\n', tail);
        return new VirtualEnvironmentResult(null, $"{step} failed with exit code {exitCode}:\n{text}");
    }

    private static async Task<int> RunAsync(string fileName, IReadOnlyList<string> arguments, string workingDirectory, Action<string> output, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        info.Environment["PYTHONUNBUFFERED"] = "1";
        info.Environment["PIP_NO_INPUT"] = "1";
        using var process = await ProcessLauncher.StartAsync(info);
        process.StandardInput.Close();
        var stdout = PumpAsync(process.StandardOutput, output);
        var stderr = PumpAsync(process.StandardError, output);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        await Task.WhenAll(stdout, stderr);
        return process.ExitCode;
    }

    private static async Task PumpAsync(StreamReader reader, Action<string> output)
    {
        while (await reader.ReadLineAsync() is { } line)
            output(line);
    }
}
