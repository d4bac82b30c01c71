using System.Diagnostics;
using System.Text;
using Baton.Core.Packages;

namespace Baton.Core.Tests.Packages;

/// <summary>
/// Hostile manifests: whatever the document does with anchors, aliases, keys and size, parsing
/// ends in bounded time with a reason. The budgets are generous (a loaded CI machine); the attacks
/// they stop take minutes to hours of CPU unguarded.
/// </summary>
public sealed class ManifestYamlBombTests
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(3);
    private const string Head = "name: hello\nversion: 1.0.0\nentrypoint: main:run\n";

    /// <summary>Level i is a list of ten aliases of level i-1: the last one describes 10^levels values.</summary>
    internal static string AnchorLevels(int levels)
    {
        var text = new StringBuilder("x-levels:\n  - &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (var i = 1; i <= levels; i++) text.Append(Level(i)).Append('\n');
        return text.ToString();

        static string Level(int i) => $"  - &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10))}]";
    }

    private static ManifestParseResult ParseWithin(string yaml)
    {
        var clock = Stopwatch.StartNew();
        var result = ManifestParser.Parse(yaml);
        Assert.True(clock.Elapsed < Budget, $"parsing took {clock.Elapsed.TotalSeconds:0.0} s");
        return result;
    }

    [Fact]
    public void Aliases_used_as_mapping_keys_are_refused_at_once()
    {
        // Hashing a key that aliases a nested list walks all 10^9 values it stands for.
        var result = ParseWithin(Head + AnchorLevels(9) + "description:\n  ? *a9\n  : boom\n");
        var error = Assert.Single(result.Errors);
        Assert.Equal("baton.yaml", error.Field);
        Assert.Contains("alias", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lists_and_mappings_used_as_keys_are_refused()
    {
        var error = Assert.Single(ParseWithin(Head + "description:\n  ? [a, b]\n  : c\n").Errors);
        Assert.Contains("keys must be plain values", error.Message, StringComparison.Ordinal);
        error = Assert.Single(ParseWithin(Head + "description: {{a: 1}: c}\n").Errors);
        Assert.Contains("keys must be plain values", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nested_anchors_that_expand_beyond_the_budget_are_refused_wherever_they_are_used()
    {
        foreach (var use in new[] { "description: *a9\n", "x-use: [*a9, *a9]\n", "parameters:\n  p:\n    type: array\n    default: *a9\n" })
        {
            var result = ParseWithin(Head + AnchorLevels(9) + use);
            var error = Assert.Single(result.Errors);
            Assert.Equal("baton.yaml", error.Field);
            Assert.Contains("aliases expand", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_few_small_anchors_are_still_fine()
    {
        var result = ParseWithin(Head + "capabilities: &caps [os=linux]\nx-again: *caps\n");
        Assert.Equal("x-again", Assert.Single(result.Errors).Field); // unknown field, nothing about aliases
    }

    [Fact]
    public void A_manifest_with_a_huge_number_of_values_is_refused_in_bounded_time()
    {
        var text = new StringBuilder(Head).Append("capabilities:\n");
        while (text.Length < PackageArchiveInspector.MaxManifestBytes - 16) text.Append("  - a\n");
        var error = Assert.Single(ParseWithin(text.ToString()).Errors);
        Assert.Equal("baton.yaml", error.Field);
        Assert.Contains("values", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parsing_stops_when_the_caller_cancels()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.Throws<OperationCanceledException>(() => ManifestParser.Parse(Head + AnchorLevels(3), cancelled.Token));
    }
}
