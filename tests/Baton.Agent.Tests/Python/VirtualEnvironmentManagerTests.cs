using System.Text.Json;
using Baton.Agent.Jobs;
using Baton.Agent.Python;
using Baton.Agent.Tests.Support;
using Baton.Core.Jobs;
using Microsoft.Extensions.Logging.Abstractions;

namespace Baton.Agent.Tests.Python;

public sealed class VirtualEnvironmentManagerTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Builds_the_with_deps_venv_from_the_shipped_wheel_once_and_runs_the_sample()
    {
        var manager = new VirtualEnvironmentManager(_temp.Combine("venvs"), NullLogger<VirtualEnvironmentManager>.Instance);
        var package = TestPaths.Sample("with-deps");
        var output = new List<string>();

        var both = await Task.WhenAll(
            manager.EnsureAsync(TestPaths.SystemInterpreter, package, "requirements.txt", line => { lock (output) output.Add(line); }, CancellationToken.None),
            manager.EnsureAsync(TestPaths.SystemInterpreter, package, "requirements.txt", line => { lock (output) output.Add(line); }, CancellationToken.None));
        var (first, second) = (both[0], both[1]);
        var third = await manager.EnsureAsync(TestPaths.SystemInterpreter, package, "requirements.txt", _ => { }, CancellationToken.None);

        Assert.True(first.Succeeded, first.Error);
        Assert.Equal(first.PythonPath, second.PythonPath);
        Assert.Equal(first.PythonPath, third.PythonPath);
        Assert.Single(output, l => l.StartsWith("Creating virtual environment", StringComparison.Ordinal));
        Assert.Contains(output, l => l.Contains("greetlib", StringComparison.Ordinal));
        var venvs = Directory.GetDirectories(_temp.Combine("venvs"));
        Assert.True(File.Exists(Path.Combine(Assert.Single(venvs), VirtualEnvironmentManager.ReadyMarker)));

        var runtime = await RuntimeFiles.WriteAsync(_temp.Combine("runtime"), CancellationToken.None);
        var work = Directory.CreateDirectory(_temp.Combine("work")).FullName;
        using var inputs = JsonDocument.Parse("""{"name":"venv"}""");
        var result = await new PythonJobRunner(TimeProvider.System, TimeSpan.FromSeconds(2), NullLogger.Instance).RunAsync(
            new PythonJobSpec("j", 1, first.PythonPath!, runtime, package, work, "main:run", inputs.RootElement, null),
            new JobLog(TimeProvider.System), new JobControl("j", 1));
        Assert.Equal(JobOutcome.Succeeded, result.Outcome);
        Assert.Equal("Hello from greetlib, venv!", result.Result!.Value.GetProperty("greeting").GetString());
    }

    [Fact]
    public async Task A_folder_without_the_ready_marker_is_rebuilt_and_pip_failure_reports_the_output_tail()
    {
        var manager = new VirtualEnvironmentManager(_temp.Combine("venvs"), NullLogger<VirtualEnvironmentManager>.Instance);
        _temp.WriteFile("pkg/requirements.txt", "--no-index\nnot-a-real-package==9.9\n");
        var key = VirtualEnvironmentManager.KeyFor(TestPaths.SystemInterpreter, File.ReadAllBytes(_temp.Combine("pkg", "requirements.txt")));
        var stale = _temp.WriteFile($"venvs/{key}/leftover.txt", "half-built");

        var result = await manager.EnsureAsync(TestPaths.SystemInterpreter, _temp.Combine("pkg"), "requirements.txt", _ => { }, CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Contains("pip install failed", result.Error);
        Assert.Contains("not-a-real-package", result.Error);
        Assert.False(File.Exists(stale));
        Assert.False(Directory.Exists(_temp.Combine("venvs", key)));
    }
}
