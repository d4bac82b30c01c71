using System.Text.Json;
using Baton.Core.Packages;
using static Baton.Core.Tests.Packages.ManifestParserTests;

namespace Baton.Core.Tests.Packages;

/// <summary><c>preload:</c> and <c>isolation:</c>, the manifest fields that shape how an agent starts a job.</summary>
public sealed class ManifestIsolationTests
{
    private const string Minimal = "name: hello\nversion: 1.0.0\nentrypoint: main:run\n";

    [Fact]
    public void By_default_jobs_start_warm_with_nothing_preloaded()
    {
        var manifest = ParseValid(Minimal);
        Assert.Equal(JobIsolation.Warm, manifest.Isolation);
        Assert.Empty(manifest.Preload);
    }

    [Fact]
    public void Preload_lists_module_paths_once_each_and_isolation_fresh_is_read()
    {
        var manifest = ParseValid(Minimal + "preload: [pandas, jobs.common, pandas]\nisolation: fresh\n");
        Assert.Equal(["pandas", "jobs.common"], manifest.Preload);
        Assert.Equal(JobIsolation.Fresh, manifest.Isolation);
        Assert.Equal(JobIsolation.Warm, ParseValid(Minimal + "isolation: warm\n").Isolation);
    }

    [Theory]
    [InlineData("preload: pandas\n", "preload", "must be a list")]
    [InlineData("preload: [pandas, 'os; rm -rf /']\n", "preload[1]", "not a Python module path")]
    [InlineData("preload: [import]\n", "preload[0]", "not a Python module path")]
    [InlineData("isolation: forked\n", "isolation", "must be warm")]
    [InlineData("isolation: [fresh]\n", "isolation", "must be text")]
    [InlineData("preloads: [pandas]\n", "preloads", "did you mean 'preload'")]
    public void Bad_values_are_refused_with_the_field_at_fault(string extra, string field, string expected)
    {
        var error = SingleError(Minimal + extra);
        Assert.Equal(field, error.Field);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Too_many_preload_modules_are_refused()
    {
        var modules = string.Join(", ", Enumerable.Range(0, PackageManifest.MaxPreloadModules + 1).Select(i => $"m{i}"));
        var error = SingleError(Minimal + $"preload: [{modules}]\n");
        Assert.Equal("preload", error.Field);
    }

    [Fact]
    public void The_stored_json_keeps_both_fields_and_an_older_manifest_reads_with_the_defaults()
    {
        var manifest = ParseValid(Minimal + "preload: [json]\nisolation: fresh\n");
        var json = JsonSerializer.Serialize(manifest, JsonSerializerOptions.Web);
        Assert.Contains("\"isolation\":\"fresh\"", json, StringComparison.Ordinal);
        var back = JsonSerializer.Deserialize<PackageManifest>(json, JsonSerializerOptions.Web)!;
        Assert.Equal(JobIsolation.Fresh, back.Isolation);
        Assert.Equal(["json"], back.Preload);

        var older = JsonSerializer.Deserialize<PackageManifest>(
            """{"name":"a","version":"1.0.0","entrypoint":{"module":"m","function":"f"}}""", JsonSerializerOptions.Web)!;
        Assert.Equal(JobIsolation.Warm, older.Isolation);
        Assert.Empty(older.Preload);
    }
}
