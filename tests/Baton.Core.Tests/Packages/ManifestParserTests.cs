using Baton.Core.Packages;

namespace Baton.Core.Tests.Packages;

public sealed class ManifestParserTests
{
    private const string Minimal = "name: hello\nversion: 1.0.0\nentrypoint: main:run\n";

    internal static PackageManifest ParseValid(string yaml)
    {
        var result = ManifestParser.Parse(yaml);
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        return result.Manifest!;
    }

    internal static ManifestError SingleError(string yaml)
    {
        var result = ManifestParser.Parse(yaml);
        Assert.False(result.IsValid);
        Assert.Null(result.Manifest);
        return Assert.Single(result.Errors);
    }

    [Fact]
    public void A_minimal_manifest_gets_the_defaults()
    {
        var manifest = ParseValid(Minimal);
        Assert.Equal("hello", manifest.Name);
        Assert.Equal("1.0.0", manifest.Version);
        Assert.Equal("main", manifest.Entrypoint.Module);
        Assert.Equal("run", manifest.Entrypoint.Function);
        Assert.False(manifest.Entrypoint.IsScript);
        Assert.Null(manifest.Description);
        Assert.Null(manifest.Python);
        Assert.Null(manifest.Requirements);
        Assert.Empty(manifest.Capabilities);
        Assert.Equal(3600, manifest.TimeoutSeconds);
        Assert.Equal(1, manifest.MaxAttempts);
        Assert.Empty(manifest.Parameters);
    }

    [Fact]
    public void A_full_manifest_reads_every_field()
    {
        var manifest = ParseValid("""
            name: nightly-report.v2
            version: 2.1.0-beta.1
            entrypoint: jobs.nightly:main
            description: Builds the nightly report
            python: ">=3.9,<3.13"
            requirements: ./requirements.txt
            capabilities:
              - os=linux
              - browser=chromium
              - python>=3.11
            timeout: 1h30m
            max_attempts: 3
            parameters:
              day:
                type: string
                required: true
                description: ISO date
            """);
        Assert.Equal("nightly-report.v2", manifest.Name);
        Assert.Equal("2.1.0-beta.1", manifest.Version);
        Assert.Equal("jobs.nightly:main", manifest.Entrypoint.ToString());
        Assert.Equal("Builds the nightly report", manifest.Description);
        Assert.Equal(">=3.9,<3.13", manifest.Python);
        Assert.Equal("requirements.txt", manifest.Requirements);
        Assert.Equal(["os=linux", "browser=chromium", "python>=3.11"], manifest.Capabilities);
        Assert.Equal(5400, manifest.TimeoutSeconds);
        Assert.Equal(3, manifest.MaxAttempts);
        Assert.True(manifest.Parameters["day"].Required);
        Assert.Equal("ISO date", manifest.Parameters["day"].Description);
    }

    [Theory]
    [InlineData("1.0", "1.0.0")]
    [InlineData("v1.2.3", "1.2.3")]
    [InlineData("'1.0.0'", "1.0.0")]
    [InlineData("3.0.0-rc.1+build.5", "3.0.0-rc.1+build.5")]
    public void Versions_are_stored_normalised(string written, string stored) =>
        Assert.Equal(stored, ParseValid($"name: a\nversion: {written}\nentrypoint: main:run\n").Version);

    [Theory]
    [InlineData("1")]
    [InlineData("one")]
    [InlineData("1.0.0.0")]
    [InlineData("01.0.0")]
    [InlineData("1.0.0-")]
    public void Bad_versions_are_refused(string version)
    {
        var error = SingleError($"name: a\nversion: {version}\nentrypoint: main:run\n");
        Assert.Equal("version", error.Field);
        Assert.Contains("not a semantic version", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Hello")]
    [InlineData("-hello")]
    [InlineData(".hello")]
    [InlineData("hello world")]
    [InlineData("hello/world")]
    [InlineData("héllo")]
    public void Bad_names_are_refused(string name) =>
        Assert.Equal("name", SingleError($"name: \"{name}\"\nversion: 1.0.0\nentrypoint: main:run\n").Field);

    [Fact]
    public void Names_may_be_100_characters_but_not_101()
    {
        ParseValid($"name: {new string('a', 100)}\nversion: 1.0.0\nentrypoint: main:run\n");
        Assert.Equal("name", SingleError($"name: {new string('a', 101)}\nversion: 1.0.0\nentrypoint: main:run\n").Field);
    }

    [Fact]
    public void Every_missing_required_field_is_reported()
    {
        var result = ManifestParser.Parse("description: nothing else\n");
        Assert.False(result.IsValid);
        Assert.Equal(["name", "version", "entrypoint"], result.Errors.Select(e => e.Field));
        Assert.All(result.Errors, e => Assert.Equal("is required", e.Message));
    }

    [Theory]
    [InlineData("name")]
    [InlineData("version")]
    [InlineData("entrypoint")]
    [InlineData("description")]
    [InlineData("python")]
    [InlineData("requirements")]
    [InlineData("capabilities")]
    [InlineData("timeout")]
    [InlineData("max_attempts")]
    [InlineData("parameters")]
    [InlineData("cpu")]
    [InlineData("memory_mb")]
    [InlineData("preload")]
    [InlineData("isolation")]
    public void Every_known_field_is_suggested_for_a_swap_a_dropped_or_a_doubled_letter(string field)
    {
        var typos = new HashSet<string>();
        for (var i = 0; i + 1 < field.Length; i++)
        {
            if (field[i] != field[i + 1]) typos.Add(field[..i] + field[i + 1] + field[i] + field[(i + 2)..]);
        }
        for (var i = 0; i < field.Length; i++)
        {
            typos.Add(field.Remove(i, 1));
            typos.Add(field.Insert(i, field[i].ToString()));
        }
        typos.Remove(field);
        foreach (var typo in typos)
        {
            var result = ManifestParser.Parse(Minimal + typo + ": x\n");
            var error = Assert.Single(result.Errors, e => e.Field == typo);
            Assert.Contains($"did you mean '{field}'?", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Unknown_fields_are_errors_with_a_suggestion()
    {
        var result = ManifestParser.Parse(Minimal + "max_attempt: 3\ntimeuot: 5m\nflavour: mint\n");
        Assert.Equal(["max_attempt", "timeuot", "flavour"], result.Errors.Select(e => e.Field));
        Assert.Contains("did you mean 'max_attempts'?", result.Errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("did you mean 'timeout'?", result.Errors[1].Message, StringComparison.Ordinal);
        Assert.DoesNotContain("did you mean", result.Errors[2].Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("main.py", "main.py")]
    [InlineData("./scripts/run.py", "scripts/run.py")]
    [InlineData("scripts\\run.py", "scripts/run.py")]
    public void Script_entrypoints_are_normalised(string written, string stored)
    {
        var manifest = ParseValid($"name: a\nversion: 1.0.0\nentrypoint: '{written}'\n");
        Assert.True(manifest.Entrypoint.IsScript);
        Assert.Equal(stored, manifest.Entrypoint.Script);
        Assert.Null(manifest.Entrypoint.Module);
    }

    [Theory]
    [InlineData("main", "must be 'module:function'")]
    [InlineData("main:", "is not a Python function name")]
    [InlineData(":run", "is not a Python module path")]
    [InlineData("my-jobs:run", "is not a Python module path")]
    [InlineData("jobs..nightly:run", "is not a Python module path")]
    [InlineData("main:run-now", "is not a Python function name")]
    [InlineData("main:class", "is not a Python function name")]
    [InlineData("../outside.py", "must not contain '..'")]
    [InlineData("/abs/main.py", "not absolute")]
    [InlineData("C:\\\\main.py", "not absolute")]
    public void Bad_entrypoints_are_refused(string entrypoint, string expected)
    {
        var error = SingleError($"name: a\nversion: 1.0.0\nentrypoint: \"{entrypoint}\"\n");
        Assert.Equal("entrypoint", error.Field);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\">=3.9\"")]
    [InlineData("\"==3.11\"")]
    [InlineData("'>=3.9,<3.13'")]
    [InlineData("<3.13")]
    public void Python_ranges_are_accepted(string range) =>
        Assert.NotNull(ParseValid(Minimal + $"python: {range}\n").Python);

    [Theory]
    [InlineData("'3.11'")]
    [InlineData("'>=three'")]
    [InlineData("'>='")]
    [InlineData("'>=3.9;<3.13'")]
    public void Bad_python_ranges_are_refused(string range) =>
        Assert.Equal("python", SingleError(Minimal + $"python: {range}\n").Field);

    [Fact]
    public void An_unquoted_range_gets_a_hint_about_quoting()
    {
        var error = SingleError(Minimal + "python: >=3.9\n");
        Assert.Equal("baton.yaml", error.Field);
        Assert.Contains("invalid YAML", error.Message, StringComparison.Ordinal);
        Assert.Contains("python: \">=3.9\"", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../requirements.txt", "must not contain '..'")]
    [InlineData("/etc/requirements.txt", "not absolute")]
    [InlineData("deps/", "must name a file")]
    public void Bad_requirements_paths_are_refused(string path, string expected)
    {
        var error = SingleError(Minimal + $"requirements: {path}\n");
        Assert.Equal("requirements", error.Field);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_bad_capability_is_reported_by_index()
    {
        var result = ManifestParser.Parse(Minimal + "capabilities:\n  - os=linux\n  - 'python>='\n  - '=x'\n");
        Assert.Equal(["capabilities[1]", "capabilities[2]"], result.Errors.Select(e => e.Field));
        Assert.Contains("has no version", result.Errors[0].Message, StringComparison.Ordinal);
        Assert.Equal("capabilities", SingleError(Minimal + "capabilities: os=linux\n").Field);
    }

    [Theory]
    [InlineData("600", 600)]
    [InlineData("30s", 30)]
    [InlineData("5m", 300)]
    [InlineData("2h", 7200)]
    [InlineData("1h30m", 5400)]
    [InlineData("7d", 604800)]
    [InlineData("1", 1)]
    public void Timeouts_accept_seconds_and_units(string written, int seconds) =>
        Assert.Equal(seconds, ParseValid(Minimal + $"timeout: {written}\n").TimeoutSeconds);

    [Theory]
    [InlineData("0")]
    [InlineData("0s")]
    [InlineData("8d")]
    [InlineData("604801")]
    [InlineData("-5")]
    [InlineData("5x")]
    [InlineData("30m1h")]
    [InlineData("1.5h")]
    [InlineData("[1]")]
    public void Bad_timeouts_are_refused(string written) =>
        Assert.Equal("timeout", SingleError(Minimal + $"timeout: {written}\n").Field);

    [Theory]
    [InlineData("0")]
    [InlineData("21")]
    [InlineData("2.5")]
    [InlineData("many")]
    public void Max_attempts_must_be_1_to_20(string written) =>
        Assert.Equal("max_attempts", SingleError(Minimal + $"max_attempts: {written}\n").Field);

    [Theory]
    [InlineData("", "the manifest is empty")]
    [InlineData("# only a comment\n", "the manifest is empty")]
    [InlineData("- a\n- b\n", "must be a mapping")]
    [InlineData("just text", "must be a mapping")]
    [InlineData("name: [unclosed\n", "invalid YAML")]
    [InlineData("name: a\nname: b\n", "invalid YAML")]
    [InlineData("a: 1\n---\nb: 2\n", "single YAML document")]
    public void Malformed_documents_give_one_error_and_never_throw(string yaml, string expected)
    {
        var error = SingleError(yaml);
        Assert.Equal("baton.yaml", error.Field);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fields_with_the_wrong_shape_are_refused()
    {
        var result = ManifestParser.Parse("name: [a]\nversion: {major: 1}\nentrypoint: main:run\ndescription: [x]\n");
        Assert.Equal(["name", "version", "description"], result.Errors.Select(e => e.Field));
        Assert.All(result.Errors, e => Assert.Contains("must be text", e.Message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("flow-list", "levels of [ ] or { }")]
    [InlineData("flow-map", "levels of [ ] or { }")]
    [InlineData("block-list", "nested too deeply")]
    public void Hostile_nesting_is_refused_before_it_can_overflow_the_stack(string shape, string expected)
    {
        // Without the guard, YamlDotNet recurses once per level and 100,000 levels kill the process.
        const int depth = 100_000;
        var yaml = shape switch
        {
            "flow-list" => "name: " + new string('[', depth) + new string(']', depth),
            "flow-map" => "name: " + string.Concat(Enumerable.Repeat("{a: ", depth)) + "1" + new string('}', depth),
            _ => "name:\n" + string.Concat(Enumerable.Repeat("- ", depth)) + "x\n",
        };
        var error = SingleError(yaml);
        Assert.Equal("baton.yaml", error.Field);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
