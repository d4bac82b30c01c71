using System.Diagnostics;
using System.IO.Compression;
using Baton.Agent.Python;
using Baton.Agent.Tests.Support;

namespace Baton.Agent.Tests.Python;

/// <summary>The SDK wheel the agent writes for jobs holds exactly what the standard-library build backend puts in the wheel.</summary>
public sealed class SdkWheelTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task The_agents_wheel_and_the_build_backends_wheel_have_the_same_entries_and_bytes()
    {
        var ours = await SdkWheel.WriteAsync(_temp.Combine("agent"), CancellationToken.None);
        Assert.Equal(SdkWheel.FileName, Path.GetFileName(ours));
        var backend = Path.Combine(TestPaths.RepositoryRoot, "src", "Baton.Agent", "Python", "_build", "baton_build.py");
        using var process = Process.Start(new ProcessStartInfo(TestPaths.SystemPython, [backend, _temp.Combine("backend")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var stdout = await process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, stderr);
        var theirs = stdout.Trim();
        Assert.Equal(Path.GetFileName(ours), Path.GetFileName(theirs));

        var expected = Entries(theirs);
        var actual = Entries(ours);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, bytes) in expected) Assert.True(bytes.AsSpan().SequenceEqual(actual[name]), $"{name} differs");
        Assert.Contains("baton/py.typed", actual.Keys);
        Assert.Contains("baton/__init__.pyi", actual.Keys);
        Assert.Contains("baton/artifacts.py", actual.Keys);
    }

    [Fact]
    public async Task Writing_it_again_leaves_the_same_file()
    {
        var first = await SdkWheel.WriteAsync(_temp.Combine("w"), CancellationToken.None);
        var before = File.GetLastWriteTimeUtc(first);
        var bytes = await File.ReadAllBytesAsync(first);
        var second = await SdkWheel.WriteAsync(_temp.Combine("w"), CancellationToken.None);
        Assert.Equal(first, second);
        Assert.Equal(before, File.GetLastWriteTimeUtc(second));
        Assert.Equal(bytes, SdkWheel.Build());
    }

    private static Dictionary<string, byte[]> Entries(string wheel)
    {
        using var archive = ZipFile.OpenRead(wheel);
        var entries = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var entry in archive.Entries)
        {
            using var stream = entry.Open();
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            entries[entry.FullName] = copy.ToArray();
        }
        return entries;
    }
}
