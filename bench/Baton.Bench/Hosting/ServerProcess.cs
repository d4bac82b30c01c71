using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Baton.Bench.Hosting;

/// <summary>
/// <c>baton server</c> as a child process on a free loopback port, so the server under test has its own
/// CPU time, memory and descriptor limit. Its output is kept (last lines) for error messages only.
/// Disposing kills its whole process tree; so does this process exiting.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private const int PortAttempts = 3;
    private readonly Process _process;
    private readonly OutputTail _output;
    private readonly EventHandler _killOnExit;
    private bool _killed;

    private ServerProcess(Process process, OutputTail output, Uri baseAddress)
    {
        _process = process;
        _output = output;
        BaseAddress = baseAddress;
        _killOnExit = (_, _) => KillTree();
        AppDomain.CurrentDomain.ProcessExit += _killOnExit;
    }

    public Uri BaseAddress { get; }

    public int ProcessId => _process.Id;

    /// <summary>True when the server ended by itself (a crash), not because this object killed it.</summary>
    public bool ExitedUnexpectedly => !_killed && _process.HasExited;

    /// <summary>The exit code and last output lines, for telling a user why the server is gone.</summary>
    public string Describe() => _process.HasExited
        ? string.Create(CultureInfo.InvariantCulture, $"exited with code {_process.ExitCode}; last output:{Environment.NewLine}{_output}")
        : $"last output:{Environment.NewLine}{_output}";

    /// <param name="command">The <c>baton</c> CLI to run.</param>
    /// <param name="serverArguments">Flags after <c>server --host 127.0.0.1 --port P</c>.</param>
    /// <param name="environment">Extra environment (configuration and secrets, which stay out of the process list).</param>
    /// <param name="readyTimeout">How long to wait for <c>/healthz</c> (migrations included).</param>
    public static async Task<ServerProcess> StartAsync(
        ServerCommandLine command, IReadOnlyList<string> serverArguments, IReadOnlyDictionary<string, string> environment,
        TimeSpan readyTimeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        for (var attempt = 1; ; attempt++)
        {
            var port = FreeLoopbackPort();
            var output = new OutputTail(40);
            var process = Launch(command, port, serverArguments, environment, output);
            var server = new ServerProcess(process, output, new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}")));
            try
            {
                await server.WaitUntilHealthyAsync(readyTimeout, cancellationToken);
                return server;
            }
            catch (ServerExitedException) when (attempt < PortAttempts && output.ToString().Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                // Another process took the port between our probe and the server's bind: pick another.
                await server.DisposeAsync();
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
        }
    }

    private static Process Launch(
        ServerCommandLine command, int port, IReadOnlyList<string> serverArguments, IReadOnlyDictionary<string, string> environment, OutputTail output)
    {
        var info = new ProcessStartInfo(command.FileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var argument in command.LeadingArguments) info.ArgumentList.Add(argument);
        foreach (var argument in (string[])["server", "--host", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture)]) info.ArgumentList.Add(argument);
        foreach (var argument in serverArguments) info.ArgumentList.Add(argument);
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        info.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (name, value) in environment) info.Environment[name] = value;

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
            throw new InvalidOperationException($"Could not start the benchmark server '{command.FileName}': {ex.Message}", ex);
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private async Task WaitUntilHealthyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var started = Stopwatch.GetTimestamp();
        var exited = _process.WaitForExitAsync(cancellationToken);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_process.HasExited)
            {
                await _process.WaitForExitAsync(CancellationToken.None); // drains the output events
                throw new ServerExitedException($"The benchmark server (pid {ProcessId}) {Describe()}");
            }
            try
            {
                using var response = await http.GetAsync(new Uri("/healthz", UriKind.Relative), cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet (it migrates and bootstraps before it binds).
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
            if (Stopwatch.GetElapsedTime(started) > timeout)
            {
                throw new TimeoutException(string.Create(CultureInfo.InvariantCulture,
                    $"The benchmark server (pid {ProcessId}) did not answer {BaseAddress}healthz within {timeout.TotalSeconds:0} s; {Describe()}"));
            }
            await Task.WhenAny(exited, Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken));
        }
    }

    /// <summary>Binds port 0 on loopback, reads the port the system chose and releases it for the server.</summary>
    public static int FreeLoopbackPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    private void KillTree()
    {
        _killed = true;
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        catch (Win32Exception)
        {
            // Exiting meanwhile; nothing left to kill.
        }
    }

    public async ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= _killOnExit;
        KillTree();
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            // SIGKILL was sent; the kernel reaps it. Do not hang the bench on it.
        }
        _process.Dispose();
    }

    private sealed class ServerExitedException(string message) : InvalidOperationException(message);
}
