using System.Text.Json;
using Baton.Agent.Jobs;
using Baton.Agent.Python;
using Baton.Agent.Python.Warm;
using Baton.Agent.Tests.Support;
using Baton.Core.Packages;
using Microsoft.Extensions.Logging.Abstractions;

namespace Baton.Agent.Tests.Python.Warm;

/// <summary>Runs jobs through a real <see cref="PythonJobRunner"/> with a real warm pool, on the system python.</summary>
public sealed class WarmHarness : IAsyncDisposable
{
    private readonly TempDirectory _temp;

    private WarmHarness(TempDirectory temp, string runtime, WarmInterpreterPool pool)
    {
        _temp = temp;
        Runtime = runtime;
        Pool = pool;
        Runner = new PythonJobRunner(TimeProvider.System, TimeSpan.FromSeconds(2), NullLogger.Instance, pool);
    }

    public string Runtime { get; }

    public WarmInterpreterPool Pool { get; }

    public PythonJobRunner Runner { get; }

    public TempDirectory Temp => _temp;

    public static async Task<WarmHarness> StartAsync(WarmInterpreterOptions? options = null)
    {
        var temp = new TempDirectory();
        var runtime = await RuntimeFiles.WriteAsync(temp.Combine("runtime"), CancellationToken.None);
        var pool = new WarmInterpreterPool(runtime, options ?? new WarmInterpreterOptions(), TimeProvider.System, NullLogger.Instance);
        return new WarmHarness(temp, runtime, pool);
    }

    /// <summary>A package folder holding <paramref name="files"/> (name → Python source).</summary>
    public string Package(string name, params (string File, string Source)[] files)
    {
        foreach (var (file, source) in files)
            _temp.WriteFile(Path.Combine(name, file), source);
        return _temp.Combine(name);
    }

    public async Task<(PythonJobResult Result, JobLog Log, JobControl Control, PythonJobSpec Spec)> RunAsync(
        string package, string entrypoint, string inputs = "{}", JobIsolation isolation = JobIsolation.Warm,
        IReadOnlyList<string>? preload = null, TimeSpan? timeout = null, string? python = null, Action<JobControl>? whileRunning = null)
    {
        var log = new JobLog(TimeProvider.System);
        var control = new JobControl("job", 1);
        using var document = JsonDocument.Parse(inputs);
        var work = _temp.Combine("work", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        var spec = new PythonJobSpec("job", 1, python ?? TestPaths.SystemPython, Runtime, package, work, entrypoint,
            document.RootElement.Clone(), timeout, isolation, preload);
        var run = Runner.RunAsync(spec, log, control);
        whileRunning?.Invoke(control);
        return (await run, log, control, spec);
    }

    public static IReadOnlyList<string> Lines(JobLog log, string stream) =>
        log.PeekBatch(int.MaxValue).Where(l => l.Stream == stream).Select(l => l.Text).ToList();

    public async ValueTask DisposeAsync()
    {
        await Pool.DisposeAsync();
        _temp.Dispose();
    }
}
