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
    [InlineData("3.11.7", null, true)]
    [InlineData("3.11.7", ">=3.9", true)]
    [InlineData("3.11.7", ">=3.12", false)]
    [InlineData("3.11.7", ">=3.9,<3.12", true)]
    [InlineData("3.12.1", ">=3.9,<3.12", false)]
    [InlineData("3.11.7", "==3.11", true)]
    [InlineData("3.10.2", "==3.11", false)]
    [InlineData("3.11.7", "!=3.11", false)]
    [InlineData("3.11.7", "nonsense", false)]
    public void Local_version_range_helper_matches_ranges(string version, string? range, bool expected) =>
        Assert.Equal(expected, PythonVersionRange.Satisfies(Version.Parse(version), range));
}
