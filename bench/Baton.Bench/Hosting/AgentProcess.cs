using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace Baton.Bench.Hosting;

/// <summary>
/// A real <c>baton agent</c> as a child process with a data folder of its own (deleted on dispose):
/// it registers with an enrollment token and runs real Python. Its output is kept (last lines) for
/// error messages only. Disposing stops it (SIGTERM via Process.Kill of the tree after a grace).
/// </summary>
public sealed class AgentProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly OutputTail _output;
    private readonly string _dataDirectory;
    private readonly EventHandler _killOnExit;

    private AgentProcess(Process process, OutputTail output, string dataDirectory)
    {
        _process = process;
        _output = output;
        _dataDirectory = dataDirectory;
        _killOnExit = (_, _) => Kill();
        AppDomain.CurrentDomain.ProcessExit += _killOnExit;
    }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Describe() => _process.HasExited
        ? string.Create(CultureInfo.InvariantCulture, $"exited with code {_process.ExitCode}; last output:{Environment.NewLine}{_output}")
        : $"last output:{Environment.NewLine}{_output}";

    public static AgentProcess Start(ServerCommandLine command, Uri server, string enrollmentToken, int slots, string name)
    {
        var data = Path.Combine(Path.GetTempPath(), "baton-bench-agent-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(data);
        var info = new ProcessStartInfo(command.FileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = data,
        };
        foreach (var argument in command.LeadingArguments) info.ArgumentList.Add(argument);
        foreach (var argument in (string[])["agent", "--server", server.AbsoluteUri, "--token", enrollmentToken,
                     "--slots", slots.ToString(CultureInfo.InvariantCulture), "--name", name, "--data", data])
        {
            info.ArgumentList.Add(argument);
        }
        info.Environment["DOTNET_NOLOGO"] = "1";
        var output = new OutputTail(40);
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => output.Add(e.Data);
        process.ErrorDataReceived += (_, e) => output.Add(e.Data);
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            process.Dispose();
            throw new InvalidOperationException($"Could not start the benchmark agent '{command.FileName}': {ex.Message}", ex);
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new AgentProcess(process, output, data);
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or Win32Exception)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= _killOnExit;
        Kill();
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }
}
