using Baton.Core.Dispatch;

namespace Baton.Core.Tests.Dispatch;

public sealed class RequirementMatchingTests
{
    private static readonly CapabilitySet Linux = CapabilitySet.From(
        "linux", "x64", ["3.9.18", "3.12.4"], new Dictionary<string, string> { ["browser"] = "chromium", ["GPU"] = "" });

    private static Requirement Parse(string text)
    {
        Assert.True(Requirement.TryParse(text, out var requirement, out var error), error);
        return requirement!;
    }

    [Theory]
    [InlineData("os=linux", true)]
    [InlineData("os=LINUX", true)]
    [InlineData("os==linux", true)]
    [InlineData("os=windows", false)]
    [InlineData("os!=windows", true)]
    [InlineData("os!=linux", false)]
    [InlineData("browser", true)]
    [InlineData("Browser=Chromium", true)]
    [InlineData("gpu", true)]
    [InlineData("docker", false)]
    [InlineData("docker=yes", false)]
    [InlineData("docker!=yes", true)]
    [InlineData("arch=x64", true)]
    public void Labels_match_by_key_and_value_ignoring_case(string text, bool expected) =>
        Assert.Equal(expected, Parse(text).IsSatisfiedBy(Linux));

    [Theory]
    [InlineData("python>=3.11", true)]
    [InlineData("python>=3.13", false)]
    [InlineData("python==3.12", true)]
    [InlineData("python==3.10", false)]
    [InlineData("python==3.12.4", true)]
    [InlineData("python==3.12.5", false)]
    [InlineData("python<3.10", true)]
    [InlineData("python>3.12.4", false)]
    [InlineData("python>3.12", true)]
    [InlineData("python<=3.9", false)]
    [InlineData("python<=3.9.18", true)]
    [InlineData("python>=3.10,<3.12", false)]
    [InlineData("python>=3.9,<3.10", true)]
    [InlineData("python!=3.9", true)]
    [InlineData("python!=3.9,!=3.12", false)]
    public void Any_one_python_version_must_satisfy_the_whole_range(string text, bool expected) =>
        Assert.Equal(expected, Parse(text).IsSatisfiedBy(Linux));

    [Fact]
    public void Ordering_against_a_value_that_is_not_a_version_never_matches()
    {
        var agent = CapabilitySet.From("linux", "x64", [], new Dictionary<string, string> { ["cuda"] = "twelve" });
        Assert.False(Parse("cuda>=12").IsSatisfiedBy(agent));
        Assert.True(Parse("cuda!=12").IsSatisfiedBy(agent));
        Assert.False(Parse("python>=3.9").IsSatisfiedBy(agent));
    }

    [Fact]
    public void Equality_is_numeric_for_versions()
    {
        var agent = CapabilitySet.From("linux", "x64", [], new Dictionary<string, string> { ["cuda"] = "12.0" });
        Assert.True(Parse("cuda=12").IsSatisfiedBy(agent));
        Assert.True(Parse("cuda==12.0.0").IsSatisfiedBy(agent));
        Assert.False(Parse("cuda=12.1").IsSatisfiedBy(agent));
    }

    [Fact]
    public void FirstUnmet_names_the_first_failing_requirement_in_order()
    {
        Requirement[] requirements = [Parse("os=linux"), Parse("browser=firefox"), Parse("python>=3.13")];
        Assert.Equal("browser=firefox", RequirementMatcher.FirstUnmet(Linux, requirements)?.Text);
        Assert.Null(RequirementMatcher.FirstUnmet(Linux, [Parse("os=linux"), Parse("python>=3.12")]));
        Assert.Null(RequirementMatcher.FirstUnmet(Linux, []));
    }

    [Theory]
    [InlineData("3.11.7", ">=3.11", true)]
    [InlineData("3.11.0", ">=3.11", true)]
    [InlineData("3.10.14", ">=3.11", false)]
    [InlineData("3.12.9", "<3.13", true)]
    [InlineData("3.13.0", "<3.13", false)]
    [InlineData("3.11.7", "==3.11", true)]
    [InlineData("3.1.7", "==3.11", false)]
    [InlineData("3.11.7", "!=3.11", false)]
    [InlineData("3.12.1", "!=3.11", true)]
    [InlineData("3.10.2", ">=3.9,<3.13", true)]
    [InlineData("3.8.10", ">=3.9,<3.13", false)]
    [InlineData("3.10.2", " >=3.9 , <3.13 ", true)]
    [InlineData("3.11.7", null, true)]
    [InlineData("3.11.7", "", true)]
    [InlineData("3.11.7", "  ", true)]
    [InlineData("banana", ">=3.9", false)]
    [InlineData("3.11.7", ">=banana", false)]
    [InlineData("3.11.7", "3.11", false)]
    public void PythonVersionSatisfies_compares_numerically(string version, string? range, bool expected) =>
        Assert.Equal(expected, RequirementMatcher.PythonVersionSatisfies(version, range));

    [Fact]
    public void Versions_compare_per_component_not_as_text()
    {
        Assert.True(RequirementMatcher.PythonVersionSatisfies("3.10.0", ">3.9"));
        Assert.False(RequirementMatcher.PythonVersionSatisfies("3.9.0", ">3.10"));
        Assert.True(RequirementMatcher.PythonVersionSatisfies("3.100", ">=3.11"));
    }
}
