using System.Text.Json;
using Baton.Core.Packages;

namespace Baton.Core.Tests.Packages;

public sealed class InputBinderTests
{
    private static readonly PackageManifest Manifest = ManifestParserTests.ParseValid("""
        name: typed
        version: 1.0.0
        entrypoint: main:run
        parameters:
          name: {type: string, required: true}
          count: {type: integer, default: 3}
          ratio: {type: number}
          verbose: {type: boolean, default: false}
          options: {type: object}
          tags: {type: array, default: [a, b]}
        """);

    private static Dictionary<string, JsonElement> Inputs(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;

    private static InputBindingResult Bind(string json) => InputBinder.Bind(Manifest, Inputs(json));

    [Fact]
    public void Valid_inputs_bind_and_defaults_fill_the_gaps()
    {
        var result = Bind("""{"name": "Ada", "ratio": 0.5, "options": {"deep": [1]}}""");
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal("""{"name":"Ada","count":3,"ratio":0.5,"verbose":false,"options":{"deep":[1]},"tags":["a","b"]}""",
            result.Inputs!.ToJsonString());
    }

    [Fact]
    public void Optional_parameters_without_a_default_stay_absent()
    {
        var inputs = Bind("""{"name": "Ada"}""").Inputs!;
        Assert.False(inputs.ContainsKey("ratio"));
        Assert.False(inputs.ContainsKey("options"));
    }

    [Fact]
    public void Strings_from_the_command_line_are_converted_when_they_parse()
    {
        var result = Bind("""{"name": "Ada", "count": " 5 ", "ratio": "2.5e1", "verbose": "True"}""");
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal(5, result.Inputs!["count"]!.GetValue<long>());
        Assert.Equal(25.0, result.Inputs["ratio"]!.GetValue<double>());
        Assert.True(result.Inputs["verbose"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData("5", 5)]
    [InlineData("5.0", 5)]
    [InlineData("5e2", 500)]
    [InlineData("-9223372036854775808", long.MinValue)]
    public void Whole_json_numbers_are_integers(string json, long expected)
    {
        var result = Bind($$"""{"name": "x", "count": {{json}}}""");
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal(expected, result.Inputs!["count"]!.GetValue<long>());
    }

    [Theory]
    [InlineData("count", "5.5", "expected an integer, got 5.5")]
    [InlineData("count", "1e30", "expected an integer")]
    [InlineData("count", "\"five\"", "expected an integer, got \"five\"")]
    [InlineData("count", "true", "expected an integer")]
    [InlineData("ratio", "\"1,5\"", "expected a number")]
    [InlineData("ratio", "\"NaN\"", "expected a number")]
    [InlineData("verbose", "\"yes\"", "expected a boolean")]
    [InlineData("verbose", "1", "expected a boolean")]
    [InlineData("name", "42", "expected a string, got 42")]
    [InlineData("options", "[1]", "expected an object, got an array")]
    [InlineData("tags", "{}", "expected an array, got an object")]
    [InlineData("tags", "\"a,b\"", "expected an array")]
    public void Wrong_types_are_refused_with_the_field_named(string parameter, string json, string expected)
    {
        var inputs = Inputs($$"""{"name": "x", "{{parameter}}": {{json}}}""");
        var result = InputBinder.Bind(Manifest, inputs);
        Assert.False(result.IsValid);
        Assert.Null(result.Inputs);
        var error = Assert.Single(result.Errors);
        Assert.Equal($"inputs.{parameter}", error.Field);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var result = Bind("""{"zeta": 1, "alpha": 2, "count": "x"}""");
        Assert.Equal(["inputs.alpha", "inputs.zeta", "inputs.name", "inputs.count"], result.Errors.Select(e => e.Field));
        Assert.Contains("unknown input", result.Errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("name, count, ratio", result.Errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("is required", result.Errors[2].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Null_counts_as_not_given()
    {
        Assert.Equal("inputs.name", Assert.Single(Bind("""{"name": null}""").Errors).Field);
        Assert.Equal(3, Bind("""{"name": "x", "count": null}""").Inputs!["count"]!.GetValue<long>());
    }

    [Fact]
    public void A_required_parameter_with_a_default_is_never_missing()
    {
        var manifest = ManifestParserTests.ParseValid(
            "name: a\nversion: 1.0.0\nentrypoint: main:run\nparameters:\n  who: {required: true, default: world}\n");
        var result = InputBinder.Bind(manifest, null);
        Assert.True(result.IsValid);
        Assert.Equal("world", result.Inputs!["who"]!.GetValue<string>());
    }

    [Fact]
    public void A_package_without_parameters_takes_no_inputs()
    {
        var manifest = ManifestParserTests.ParseValid("name: a\nversion: 1.0.0\nentrypoint: main:run\n");
        Assert.True(InputBinder.Bind(manifest, new Dictionary<string, JsonElement>()).IsValid);
        var error = Assert.Single(InputBinder.Bind(manifest, Inputs("""{"x": 1}""")).Errors);
        Assert.Equal("inputs.x", error.Field);
        Assert.Contains("takes no inputs", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bound_defaults_are_copies_not_shared_nodes()
    {
        var first = Bind("""{"name": "a"}""").Inputs!;
        first["tags"]!.AsArray().Add("c");
        var second = Bind("""{"name": "b"}""").Inputs!;
        Assert.Equal("""["a","b"]""", second["tags"]!.ToJsonString());
    }
}
