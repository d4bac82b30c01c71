using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Baton.Agent.Python.Warm;

/// <summary>How a job was started from the pool: forked (<see cref="Process"/>), or why it must start cold.</summary>
internal sealed record WarmStart(JobProcess? Process, string? ColdReason, string? Note);

/// <summary>
/// The agent's warm interpreters, one per key (<see cref="WarmKey"/>), started on first use and
/// replaced when they die, after <see cref="WarmInterpreterOptions.MaxForks"/> forks or past
/// <see cref="WarmInterpreterOptions.MaxMemoryMb"/>; the least recently used one is retired when
/// more than <see cref="WarmInterpreterOptions.MaxInterpreters"/> would run. A key whose interpreter
/// cannot start (a preload that fails or starts a thread) runs its jobs cold for a while; a package
/// whose preload fails falls back to the interpreter without it.
/// </summary>
public sealed class WarmInterpreterPool : IAsyncDisposable
{
    private static readonly TimeSpan StopWait = TimeSpan.FromSeconds(10);
    private const int MemoryCheckEvery = 50;

    private readonly string _runtimeDirectory;
    private readonly WarmInterpreterOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<WarmKey, WarmInterpreter> _live = [];
    private readonly HashSet<WarmInterpreter> _retiring = [];
    private readonly ConcurrentDictionary<WarmKey, SemaphoreSlim> _starting = new();
    private readonly ConcurrentDictionary<WarmKey, (DateTimeOffset Until, string Reason)> _failed = new();
    private readonly Lazy<JobOutputListener> _output;
    private bool _disposed;

    public WarmInterpreterPool(string runtimeDirectory, WarmInterpreterOptions options, TimeProvider timeProvider, ILogger logger)
    {
        var errors = options.Validate();
        if (errors.Count > 0)
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        _runtimeDirectory = runtimeDirectory;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
        _output = new Lazy<JobOutputListener>(() => JobOutputListener.Start(logger));
    }

    /// <summary>Fork is what makes an interpreter warm; where there is none, every job starts cold.</summary>
    public static bool IsSupported => !OperatingSystem.IsWindows();

    /// <summary>The warm processes alive now (retiring ones included), for tests and diagnostics.</summary>
    internal IReadOnlyList<WarmInterpreter> Interpreters
    {
        get
        {
            lock (_lock)
                return [.. _live.Values, .. _retiring];
        }
    }

    /// <summary>Starts the plain warm interpreter for <paramref name="python"/> ahead of the first job.</summary>
    public async Task PrewarmAsync(string python, CancellationToken cancellationToken) =>
        await GetAsync(new WarmKey(python, null, ""), cancellationToken);

    internal async Task<WarmStart> StartJobAsync(PythonJobSpec spec, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        var key = WarmKey.For(spec.PythonPath, spec.PackageDirectory, spec.Preload);
        string? note = null;
        var (interpreter, failure) = await GetAsync(key, cancellationToken);
        if (interpreter is null && key.Preloads)
        {
            note = $"The warm interpreter for this package could not preload its modules ({failure}); using one without them.";
            key = key.WithoutPreload();
            (interpreter, failure) = await GetAsync(key, cancellationToken);
        }

        if (interpreter is null)
            return new WarmStart(null, failure, note);

        var output = _output.Value.Expect();
        try
        {
            var job = await interpreter.ForkAsync(spec.WorkDirectory, environment, [spec.RuntimeDirectory, spec.PackageDirectory],
                _output.Value.Address, output, cancellationToken, gated: spec.Started is not null);
            // Memory is read from /proc every so many forks: a warm process does not run job code, so it grows slowly if at all.
            if (interpreter.Forks >= _options.MaxForks
                || (interpreter.Forks % MemoryCheckEvery == 0 && interpreter.ResidentKb > _options.MaxMemoryMb * 1024L))
            {
                _logger.LogInformation("Recycling warm interpreter {Pid} after {Forks} forks at {ResidentMb} MB", interpreter.Pid, interpreter.Forks, interpreter.ResidentKb / 1024);
                Retire(interpreter);
            }

            return new WarmStart(job, null, note);
        }
        catch (WarmInterpreterException ex)
        {
            output.Dispose();
            if (!interpreter.Completion.IsCompleted)
            {
                // Alive but refusing (a thread appeared in it): do not fork from this key for a while.
                _failed[key] = (_timeProvider.GetUtcNow() + _options.RetryAfterFailure, ex.Message);
                _logger.LogWarning("Warm interpreter {Pid} refused a job ({Reason}); its jobs start cold for {Seconds} s", interpreter.Pid, ex.Message, _options.RetryAfterFailure.TotalSeconds);
            }

            Retire(interpreter);
            return new WarmStart(null, ex.Message, note);
        }
        catch
        {
            output.Dispose();
            throw;
        }
    }

    private async Task<(WarmInterpreter? Interpreter, string? Failure)> GetAsync(WarmKey key, CancellationToken cancellationToken)
    {
        if (TryGetLive(key) is { } live)
            return (live, null);
        if (_failed.TryGetValue(key, out var failed) && failed.Until > _timeProvider.GetUtcNow())
            return (null, failed.Reason);

        var gate = _starting.GetOrAdd(key, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (TryGetLive(key) is { } started)
                return (started, null);
            ObjectDisposedException.ThrowIf(_disposed, this);
            MakeRoom();
            var interpreter = await WarmInterpreter.StartAsync(key, _runtimeDirectory, _options.ReadyTimeout, _timeProvider, _logger, cancellationToken);
            bool disposed;
            lock (_lock)
            {
                disposed = _disposed;
                if (!disposed)
                    _live[key] = interpreter;
            }

            if (disposed)
            {
                await interpreter.DisposeAsync();
                throw new ObjectDisposedException(nameof(WarmInterpreterPool));
            }

            _failed.TryRemove(key, out _);
            _ = ForgetWhenEndedAsync(interpreter);
            return (interpreter, null);
        }
        catch (WarmInterpreterException ex)
        {
            _failed[key] = (_timeProvider.GetUtcNow() + _options.RetryAfterFailure, ex.Message);
            _logger.LogWarning("Could not start a warm interpreter for {Key}: {Reason}; its jobs start cold for {Seconds} s", key, ex.Message, _options.RetryAfterFailure.TotalSeconds);
            return (null, ex.Message);
        }
        finally
        {
            gate.Release();
        }
    }

    private WarmInterpreter? TryGetLive(WarmKey key)
    {
        lock (_lock)
        {
            if (!_live.TryGetValue(key, out var interpreter))
                return null;
            if (!interpreter.Retired && !interpreter.Completion.IsCompleted)
                return interpreter;
            // Killed or retired: the next job starts a new one.
            _live.Remove(key);
            return null;
        }
    }

    private void MakeRoom()
    {
        WarmInterpreter? oldest = null;
        lock (_lock)
        {
            if (_live.Count < _options.MaxInterpreters)
                return;
            oldest = _live.Values.MinBy(i => i.LastUsed);
        }

        if (oldest is not null)
            Retire(oldest);
    }

    private void Retire(WarmInterpreter interpreter)
    {
        lock (_lock)
        {
            if (_live.TryGetValue(interpreter.Key, out var current) && current == interpreter)
                _live.Remove(interpreter.Key);
            _retiring.Add(interpreter);
        }

        interpreter.Retire();
    }

    /// <summary>Releases a warm process's resources once it has exited, whatever ended it.</summary>
    private async Task ForgetWhenEndedAsync(WarmInterpreter interpreter)
    {
        await interpreter.Completion;
        lock (_lock)
        {
            if (_live.TryGetValue(interpreter.Key, out var current) && current == interpreter)
                _live.Remove(interpreter.Key);
            _retiring.Remove(interpreter);
        }

        await interpreter.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        List<WarmInterpreter> all;
        lock (_lock)
        {
            _disposed = true;
            all = [.. _live.Values, .. _retiring];
            _live.Clear();
        }

        await Task.WhenAll(all.Select(i => i.StopAsync(StopWait)));
        if (_output.IsValueCreated)
            _output.Value.Dispose();
    }
}
