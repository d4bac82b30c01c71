using Baton.Agent.Python;
using Baton.Agent.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Baton.Agent.Tests.Python;

public sealed class InterpreterDiscoveryTests
{
    private readonly InterpreterDiscovery _discovery = new(NullLogger<InterpreterDiscovery>.Instance);

    [Fact]
    public async Task Finds_the_system_python_as_its_real_binary()
    {
        var found = await _discovery.DiscoverAsync("/usr/bin", homeDirectory: null, CancellationToken.None);

        var system = Assert.Single(found, i => i.Path == TestPaths.SystemPython);
        Assert.Equal(TestPaths.SystemInterpreter.Version, system.Version);
        Assert.DoesNotContain(found, i => i.Path == "/usr/bin/python3");
        Assert.All(found, i => Assert.Equal(i.Path, NativeMethods.ResolveRealPath(i.Path)));
    }

    [Fact]
    public async Task Skips_shims_deduplicates_symlinks_and_sorts_newest_first()
    {
        using var temp = new TempDirectory();
        var shims = Directory.CreateDirectory(temp.Combine("pyenv", "shims")).FullName;
        File.CreateSymbolicLink(Path.Combine(shims, "python3"), TestPaths.SystemPython);
        var bin = Directory.CreateDirectory(temp.Combine("bin")).FullName;
        File.CreateSymbolicLink(Path.Combine(bin, "python3"), TestPaths.SystemPython);
        File.CreateSymbolicLink(Path.Combine(bin, "python3.99"), TestPaths.SystemPython);
        var home = temp.Combine("home");
        var pyenvBin = Directory.CreateDirectory(Path.Combine(home, ".pyenv", "versions", "9.9.9", "bin")).FullName;
        File.CreateSymbolicLink(Path.Combine(pyenvBin, "python3"), TestPaths.SystemPython);
        var searchPath = string.Join(Path.PathSeparator, shims, bin, "/usr/bin");

        Assert.DoesNotContain(InterpreterDiscovery.FindCandidates(searchPath, home), c => c.StartsWith(shims, StringComparison.Ordinal));
        var found = await _discovery.DiscoverAsync(searchPath, home, CancellationToken.None);

        Assert.Single(found, i => i.Path == TestPaths.SystemPython);
        Assert.DoesNotContain(found, i => i.Path.Contains("/shims/", StringComparison.Ordinal));
        Assert.Equal(found.OrderByDescending(i => i.Version).Select(i => i.Version), found.Select(i => i.Version));
    }

    [Fact]
    public async Task Finds_pyenv_versions_without_their_shims_when_installed()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var pyenvVersions = Path.Combine(home, ".pyenv", "versions");
        var found = await _discovery.DiscoverAsync(CancellationToken.None);

        Assert.Contains(found, i => i.Path == TestPaths.SystemPython);
        Assert.DoesNotContain(found, i => InterpreterDiscovery.IsShim(i.Path));
        Assert.Equal(found.Count, found.Select(i => i.Path).Distinct().Count());
        Assert.All(found, i => Assert.True(i.Version >= InterpreterDiscovery.MinimumVersion));
        if (Directory.Exists(pyenvVersions))
            Assert.Contains(found, i => i.Path.StartsWith(pyenvVersions, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(null, "/b/python3.13")]
    [InlineData(">=3.9", "/b/python3.13")]
    [InlineData(">=3.9,<3.13", "/a/python3.11")]
    [InlineData("==3.12", "/c/python3.12")]
    [InlineData(">=3.14", null)]
    public void A_job_runs_on_the_quickest_starting_interpreter_in_its_range(string? range, string? expected)
    {
        PythonInterpreter[] found =
        [
            new("/slow/python3.13", new Version(3, 13, 1), TimeSpan.FromMilliseconds(85)),
            new("/b/python3.13", new Version(3, 13, 0), TimeSpan.FromMilliseconds(27)),
            new("/a/python3.11", new Version(3, 11, 2), TimeSpan.FromMilliseconds(24)),
            new("/c/python3.12", new Version(3, 12, 1), TimeSpan.FromMilliseconds(90)),
        ];
        // 3.13.0 and 3.11.2 start within 10 ms of each other: the newer wins; the slow 3.13.1 loses to both.
        Assert.Equal(expected, PythonInterpreter.Choose(found, range)?.Path);
    }

    [Fact]
    public async Task Discovery_measures_how_long_each_interpreter_takes_to_start()
    {
        var found = await new InterpreterDiscovery(Microsoft.Extensions.Logging.Abstractions.NullLogger<InterpreterDiscovery>.Instance)
            .DiscoverAsync("/usr/bin", null, CancellationToken.None);
        Assert.NotEmpty(found);
        Assert.All(found, i => Assert.InRange(i.StartupTime, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(10)));
    }
}
