using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Baton.Agent.Python.Warm;

/// <summary>Why a job could not be forked from a warm interpreter; the job then starts cold.</summary>
internal sealed class WarmInterpreterException(string message) : Exception(message);

/// <summary>
/// One warm interpreter: a <c>python -m baton._forkserver</c> process that has imported the runner,
/// the SDK, common standard-library modules and (per package) the <c>preload:</c> modules, and forks
/// a child per job ahead of it: a spare child waits for the next job, which starts without a fork.
/// Commands go to its stdin, events come back on its stdout (see _forkserver.py); its stderr goes to
/// the agent's log. Closing its stdin retires it: it kills its spare, forks no more and exits once
/// its running jobs have ended.
/// </summary>
internal sealed class WarmInterpreter : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<string, (TaskCompletionSource<WarmJobProcess> Forked, JobOutputChannels Output, bool Gated)> _forking = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, WarmJobProcess> _running = new(StringComparer.Ordinal);
    private readonly Task _events;
    private string? _fatal;
    private long _nextId;
    private int _sparePid;
    private int _retired;
    private int _disposed;

    /// <summary>The warm process's own environment: a job's is sent as the changes to it.</summary>
    private readonly IReadOnlyDictionary<string, string> _environment;

    private WarmInterpreter(WarmKey key, Process process, IReadOnlyDictionary<string, string> environment, TimeProvider timeProvider, ILogger logger)
    {
        Key = key;
        _process = process;
        _environment = environment;
        _timeProvider = timeProvider;
        _logger = logger;
        LastUsed = timeProvider.GetUtcNow();
        _events = ReadEventsAsync();
        _ = LogStderrAsync();
    }

    public WarmKey Key { get; }

    public int Pid => _process.Id;

    public int Forks { get; private set; }

    /// <summary>The pid of the spare child forked ahead of the next job (0 while there is none), for tests and diagnostics.</summary>
    public int SparePid => Volatile.Read(ref _sparePid);

    /// <summary>The warm process's resident memory (Linux; 0 elsewhere).</summary>
    public long ResidentKb
    {
        get
        {
            try
            {
                var fields = File.ReadAllText($"/proc/{_process.Id}/statm").Split(' ');
                return long.Parse(fields[1], CultureInfo.InvariantCulture) * Environment.SystemPageSize / 1024;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                return 0;
            }
        }
    }

    public DateTimeOffset LastUsed { get; private set; }

    public bool Retired => Volatile.Read(ref _retired) == 1;

    /// <summary>Ends when the warm process has exited.</summary>
    public Task Completion => _events;

    public int RunningJobs => _running.Count;

    /// <summary>Starts the warm process and waits until it has imported everything and is ready to fork.</summary>
    public static async Task<WarmInterpreter> StartAsync(
        WarmKey key, string runtimeDirectory, TimeSpan readyTimeout, TimeProvider timeProvider, ILogger logger, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(key.Python)
        {
            WorkingDirectory = runtimeDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-s", "-u", "-m", "baton._forkserver" })
            info.ArgumentList.Add(argument);
        var environment = JobEnvironment.Agent();
        environment.Remove("PYTHONHOME");
        environment["PYTHONPATH"] = key.PackageDirectory is null ? runtimeDirectory : runtimeDirectory + Path.PathSeparator + key.PackageDirectory;
        environment["PYTHONUNBUFFERED"] = "1";
        environment["BATON_AGENT_PID"] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        environment["BATON_PRELOAD"] = key.Preload;
        info.Environment.Clear();
        foreach (var (name, value) in environment)
            info.Environment[name] = value;

        Process process;
        try
        {
            process = await ProcessLauncher.StartAsync(info);
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new WarmInterpreterException($"could not start {key.Python}: {ex.Message}");
        }

        var interpreter = new WarmInterpreter(key, process, environment, timeProvider, logger);
        try
        {
            await interpreter._ready.Task.WaitAsync(readyTimeout, timeProvider, cancellationToken);
        }
        catch (TimeoutException)
        {
            await interpreter.DisposeAsync();
            throw new WarmInterpreterException($"the warm interpreter was not ready within {readyTimeout.TotalSeconds:0} s");
        }
        catch
        {
            await interpreter.DisposeAsync();
            throw;
        }

        logger.LogInformation("Warm interpreter {Pid} ready: {Key}, {ResidentMb} MB resident", interpreter.Pid, key, interpreter.ResidentKb / 1024);
        return interpreter;
    }

    /// <summary>
    /// Forks a child that becomes the job; its stdout and stderr connect to <paramref name="output"/>. A
    /// <paramref name="gated"/> job waits, ready, for <see cref="JobProcess.ReleaseAsync"/> before its package is imported.
    /// </summary>
    public async Task<WarmJobProcess> ForkAsync(
        string workDirectory, IReadOnlyDictionary<string, string> environment, IReadOnlyList<string> path, string outputAddress,
        JobOutputChannels output, CancellationToken cancellationToken, bool gated = false)
    {
        if (Retired || _events.IsCompleted)
            throw new WarmInterpreterException("the warm interpreter is retired");
        var id = Interlocked.Increment(ref _nextId).ToString(CultureInfo.InvariantCulture);
        var forked = new TaskCompletionSource<WarmJobProcess>(TaskCreationOptions.RunContinuationsAsynchronously);
        _forking[id] = (forked, output, gated);
        LastUsed = _timeProvider.GetUtcNow();
        try
        {
            await WriteCommandAsync(ForkCommand(id, workDirectory, environment, _environment, path, outputAddress, output.Token, gated), cancellationToken);
            return await forked.Task.WaitAsync(cancellationToken);
        }
        catch (IOException ex)
        {
            throw new WarmInterpreterException($"the warm interpreter does not take commands: {ex.Message}");
        }
        finally
        {
            _forking.TryRemove(id, out _);
        }
    }

    /// <summary>No more forks; the process exits once its running jobs have ended.</summary>
    public void Retire()
    {
        if (Interlocked.Exchange(ref _retired, 1) == 1)
            return;
        _ = CloseInputAsync();
    }

    private async Task CloseInputAsync()
    {
        await _writeLock.WaitAsync();
        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private static byte[] ForkCommand(
        string id, string workDirectory, IReadOnlyDictionary<string, string> environment, IReadOnlyDictionary<string, string> own,
        IReadOnlyList<string> path, string outputAddress, string token, bool gated)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("op", "fork");
            json.WriteString("id", id);
            json.WriteString("cwd", workDirectory);
            json.WriteStartObject("set");
            foreach (var (name, value) in environment)
            {
                if (!own.TryGetValue(name, out var current) || current != value)
                    json.WriteString(name, value);
            }

            json.WriteEndObject();
            json.WriteStartArray("unset");
            foreach (var name in own.Keys)
            {
                if (!environment.ContainsKey(name))
                    json.WriteStringValue(name);
            }

            json.WriteEndArray();
            json.WriteStartArray("path");
            foreach (var entry in path)
                json.WriteStringValue(entry);
            json.WriteEndArray();
            json.WriteString("out", outputAddress);
            json.WriteString("token", token);
            if (gated)
                json.WriteBoolean("gate", true);
            json.WriteEndObject();
        }

        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    private async Task WriteCommandAsync(byte[] command, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            if (Retired)
                throw new WarmInterpreterException("the warm interpreter is retired");
            var stdin = _process.StandardInput.BaseStream;
            await stdin.WriteAsync(command, cancellationToken);
            await stdin.FlushAsync(cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task ReadEventsAsync()
    {
        try
        {
            while (await _process.StandardOutput.ReadLineAsync() is { } line)
                HandleEvent(line);
        }
        catch (IOException)
        {
        }

        await _process.WaitForExitAsync();
        var reason = _fatal ?? $"the warm interpreter (pid {_process.Id}) exited with code {_process.ExitCode}";
        Interlocked.Exchange(ref _retired, 1);
        _ready.TrySetException(new WarmInterpreterException(reason));
        foreach (var (_, (forked, _, _)) in _forking)
            forked.TrySetException(new WarmInterpreterException(reason));
        foreach (var (_, job) in _running)
            job.SetLost($"The warm Python interpreter running this job died ({reason}); the job was killed with it.");
        _running.Clear();
        if (_fatal is null && _process.ExitCode != 0)
            _logger.LogWarning("Warm interpreter {Pid} ({Key}) ended: {Reason}", _process.Id, Key, reason);
    }

    private void HandleEvent(string line)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException)
        {
            _logger.LogWarning("Warm interpreter {Pid} wrote an unreadable event: {Line}", _process.Id, line);
            return;
        }

        using (document)
        {
            var root = document.RootElement;
            var kind = root.TryGetProperty("ev", out var ev) ? ev.GetString() : null;
            var id = root.TryGetProperty("id", out var idElement) ? idElement.GetString() : null;
            switch (kind)
            {
                case "ready":
                    _ready.TrySetResult();
                    break;
                case "spare":
                    Volatile.Write(ref _sparePid, root.GetProperty("pid").GetInt32());
                    break;
                case "forked" when id is not null && _forking.TryGetValue(id, out var pending):
                    var job = new WarmJobProcess(root.GetProperty("pid").GetInt32(), pending.Output, pending.Gated, _timeProvider);
                    Interlocked.CompareExchange(ref _sparePid, 0, job.Pid);
                    _running[id] = job;
                    Forks++;
                    pending.Forked.TrySetResult(job);
                    break;
                case "forked":
                    // Nobody waits for this job any more (its start was cancelled): it must not run.
                    var abandoned = root.GetProperty("pid").GetInt32();
                    Interlocked.CompareExchange(ref _sparePid, 0, abandoned);
                    ProcessGroup.Signal(abandoned, NativeMethods.SigKill);
                    break;
                case "refused" when id is not null && _forking.TryGetValue(id, out var refused):
                    refused.Forked.TrySetException(new WarmInterpreterException(root.GetProperty("error").GetString() ?? "refused"));
                    break;
                case "exited" when id is not null:
                    if (_running.TryRemove(id, out var exited))
                        exited.SetExited(root.GetProperty("code").GetInt32());
                    break;
                case "error":
                    _fatal = root.GetProperty("error").GetString();
                    break;
            }
        }
    }

    private async Task LogStderrAsync()
    {
        try
        {
            while (await _process.StandardError.ReadLineAsync() is { } line)
                _logger.LogWarning("Warm interpreter {Pid}: {Line}", _process.Id, line);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Retires the process and waits for it; kills it (and so its jobs) when it does not end in time.</summary>
    public async Task StopAsync(TimeSpan wait)
    {
        Retire();
        try
        {
            await _events.WaitAsync(wait, _timeProvider);
        }
        catch (TimeoutException)
        {
            _logger.LogWarning("Warm interpreter {Pid} did not end within {Seconds} s; killing it", _process.Id, wait.TotalSeconds);
            try
            {
                _process.Kill();
            }
            catch (InvalidOperationException)
            {
            }

            await _events;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        await StopAsync(TimeSpan.FromSeconds(5));
        _process.Dispose();
    }
}
