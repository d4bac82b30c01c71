using Baton.Core.Jobs;

namespace Baton.Core.Tests.Jobs;

/// <summary>Artifact names: relative '/'-separated paths that round-trip to files anywhere (the SDK checks the same rule).</summary>
public sealed class ArtifactNamesTests
{
    [Theory]
    [InlineData("report.csv")]
    [InlineData("out/2024/data.bin")]
    [InlineData("spaces are fine.txt")]
    [InlineData("ünïcödé/名前.txt")]
    [InlineData(".hidden")]
    public void Relative_paths_are_names(string name) => Assert.Null(ArtifactNames.Check(name));

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("/a")]
    [InlineData("a/")]
    [InlineData("a//b")]
    [InlineData("..")]
    [InlineData("a/../b")]
    [InlineData(".")]
    [InlineData("a\\b")]
    [InlineData("c:x")]
    [InlineData("a*b")]
    [InlineData("a?b")]
    [InlineData("a\"b")]
    [InlineData("a<b")]
    [InlineData("a|b")]
    [InlineData("a\u0000b")]
    [InlineData("a\u007fb")]
    [InlineData("trailing ")]
    [InlineData("trailing.")]
    public void Anything_else_is_refused_with_a_reason(string? name) => Assert.NotNull(ArtifactNames.Check(name));

    [Fact]
    public void Lengths_are_bounded()
    {
        Assert.Null(ArtifactNames.Check(new string('a', ArtifactNames.MaxSegmentLength)));
        Assert.NotNull(ArtifactNames.Check(new string('a', ArtifactNames.MaxSegmentLength + 1)));
        Assert.NotNull(ArtifactNames.Check(string.Concat(Enumerable.Repeat("abc/", 64)) + "d"));
    }

    [Theory]
    [InlineData("report.csv", "report.csv")]
    [InlineData("out/2024/data.bin", "data.bin")]
    public void A_download_is_saved_under_the_last_part(string name, string file) => Assert.Equal(file, ArtifactNames.FileNameOf(name));
}
