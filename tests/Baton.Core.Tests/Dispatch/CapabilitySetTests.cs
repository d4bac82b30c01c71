using Baton.Core.Dispatch;

namespace Baton.Core.Tests.Dispatch;

public sealed class CapabilitySetTests
{
    [Fact]
    public void From_sets_os_arch_every_python_and_each_label()
    {
        var set = CapabilitySet.From("linux", "arm64", ["3.11.9", "3.12.4"],
            new Dictionary<string, string> { ["Browser"] = "chromium", ["zone"] = "eu-1" });

        Assert.Equal(["linux"], set.Labels["os"]);
        Assert.Equal(["arm64"], set.Labels["arch"]);
        Assert.Equal(["3.11.9", "3.12.4"], set.Labels["python"]);
        Assert.Equal(["chromium"], set.Labels["browser"]);
        Assert.Equal(["eu-1"], set.Labels["zone"]);
        Assert.False(set.Labels.ContainsKey("Browser"));
    }

    [Fact]
    public void Labels_add_values_to_built_in_keys_without_duplicates()
    {
        var set = CapabilitySet.From("linux", "x64", ["3.12.4", "3.12.4"],
            new Dictionary<string, string> { ["python"] = "3.13.0", ["OS"] = "Linux", ["arch"] = "amd64" });

        Assert.Equal(["3.12.4", "3.13.0"], set.Labels["python"]);
        Assert.Equal(["linux"], set.Labels["os"]);
        Assert.Equal(["x64", "amd64"], set.Labels["arch"]);
    }

    [Fact]
    public void An_agent_without_python_has_no_python_key()
    {
        var set = CapabilitySet.From("windows", "x64", [], new Dictionary<string, string>());
        Assert.False(set.Labels.ContainsKey("python"));
        Assert.True(Requirement.TryParse("python", out var anyPython, out _));
        Assert.False(anyPython!.IsSatisfiedBy(set));
    }

    [Fact]
    public void The_constructor_lower_cases_and_merges_keys()
    {
        var set = new CapabilitySet(new Dictionary<string, IReadOnlyList<string>>
        {
            ["OS"] = ["linux"],
            ["os"] = ["Linux", "freebsd"],
        });
        Assert.Equal(["linux", "freebsd"], set.Labels["os"]);
        Assert.True(Requirement.TryParse("os=freebsd", out var requirement, out _));
        Assert.True(requirement!.IsSatisfiedBy(set));
    }
}
