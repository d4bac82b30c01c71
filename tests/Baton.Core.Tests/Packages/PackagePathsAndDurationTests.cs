using Baton.Core.Packages;

namespace Baton.Core.Tests.Packages;

public sealed class PackagePathsAndDurationTests
{
    [Theory]
    [InlineData("a/b.py", "a/b.py")]
    [InlineData("./a//b.py", "a/b.py")]
    [InlineData("a\\b.py", "a/b.py")]
    [InlineData("a/../b.py", "b.py")]
    [InlineData("a/b/", "a/b")]
    [InlineData("a/..", "")]
    [InlineData("../b.py", null)]
    [InlineData("a/../../b.py", null)]
    [InlineData("..\\b.py", null)]
    public void Resolve_flattens_dots_and_refuses_escapes(string path, string? expected) =>
        Assert.Equal(expected, PackagePaths.Resolve(path));

    [Theory]
    [InlineData("/x", true)]
    [InlineData("\\x", true)]
    [InlineData("\\\\server\\x", true)]
    [InlineData("C:\\x", true)]
    [InlineData("c:x", true)]
    [InlineData("x/y", false)]
    [InlineData("x:y", true)]
    [InlineData("ab:y", false)]
    public void IsAbsolute_knows_unix_windows_and_unc_roots(string path, bool expected) =>
        Assert.Equal(expected, PackagePaths.IsAbsolute(path));

    [Theory]
    [InlineData("90", 90)]
    [InlineData("30s", 30)]
    [InlineData("5m", 300)]
    [InlineData("2h", 7200)]
    [InlineData("1h30m", 5400)]
    [InlineData("1d2h3m4s", 93784)]
    [InlineData(" 10m ", 600)]
    public void Durations_parse(string text, int seconds)
    {
        Assert.True(DurationParser.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromSeconds(seconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("m")]
    [InlineData("1h 30m")]
    [InlineData("30m1h")]
    [InlineData("5M")]
    [InlineData("1.5h")]
    [InlineData("99999999999")]
    [InlineData("-1s")]
    public void Malformed_durations_do_not_parse(string? text) => Assert.False(DurationParser.TryParse(text, out _));
}
