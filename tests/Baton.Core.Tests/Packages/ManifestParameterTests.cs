using System.Text.Json;
using Baton.Core.Packages;

namespace Baton.Core.Tests.Packages;

public sealed class ManifestParameterTests
{
    private static PackageManifest ParseValid(string parameters) =>
        ManifestParserTests.ParseValid("name: a\nversion: 1.0.0\nentrypoint: main:run\nparameters:\n" + parameters);

    private static ManifestError SingleError(string parameters) =>
        ManifestParserTests.SingleError("name: a\nversion: 1.0.0\nentrypoint: main:run\nparameters:\n" + parameters);

    [Fact]
    public void Types_default_to_string_and_keep_declaration_order()
    {
        var manifest = ParseValid("  zeta:\n  alpha: {required: true}\n  count: integer\n");
        Assert.Equal(["zeta", "alpha", "count"], manifest.Parameters.Keys);
        Assert.Equal(ParameterType.String, manifest.Parameters["zeta"].Type);
        Assert.False(manifest.Parameters["zeta"].Required);
        Assert.True(manifest.Parameters["alpha"].Required);
        Assert.Equal(ParameterType.Integer, manifest.Parameters["count"].Type);
    }

    [Theory]
    [InlineData("string", "5", "\"5\"")]
    [InlineData("string", "true", "\"true\"")]
    [InlineData("string", "'quoted'", "\"quoted\"")]
    [InlineData("integer", "5", "5")]
    [InlineData("integer", "-42", "-42")]
    [InlineData("integer", "'7'", "7")]
    [InlineData("number", "2.5", "2.5")]
    [InlineData("number", "3", "3")]
    [InlineData("number", "1e3", "1000")]
    [InlineData("boolean", "true", "true")]
    [InlineData("boolean", "False", "false")]
    [InlineData("object", "{a: 1, b: [x, 'y'], c: ~, d: '2', e: true, f: 0.5}", "{\"a\":1,\"b\":[\"x\",\"y\"],\"c\":null,\"d\":\"2\",\"e\":true,\"f\":0.5}")]
    [InlineData("array", "[1, two, 3.5]", "[1,\"two\",3.5]")]
    [InlineData("array", "[]", "[]")]
    public void Defaults_are_converted_to_json_by_declared_type(string type, string yaml, string json)
    {
        var spec = ParseValid($"  p:\n    type: {type}\n    default: {yaml}\n").Parameters["p"];
        Assert.NotNull(spec.Default);
        Assert.Equal(json, JsonSerializer.Serialize(spec.Default.Value));
    }

    [Fact]
    public void A_block_mapping_default_becomes_a_json_object()
    {
        var spec = ParseValid("  options:\n    type: object\n    default:\n      retries: 3\n      tags:\n        - a\n        - b\n").Parameters["options"];
        Assert.Equal("""{"retries":3,"tags":["a","b"]}""", JsonSerializer.Serialize(spec.Default!.Value));
    }

    [Theory]
    [InlineData("integer", "five", "'five' is not an integer")]
    [InlineData("integer", "2.5", "is not an integer")]
    [InlineData("number", "lots", "is not a number")]
    [InlineData("number", ".inf", "is not a number")]
    [InlineData("boolean", "yes", "is not a boolean")]
    [InlineData("object", "[1]", "must be a mapping")]
    [InlineData("array", "{a: 1}", "must be a list")]
    [InlineData("array", "x", "must be a list")]
    [InlineData("string", "[a]", "must be a single value")]
    public void Defaults_that_do_not_match_the_type_are_refused(string type, string yaml, string expected)
    {
        var error = SingleError($"  p:\n    type: {type}\n    default: {yaml}\n");
        Assert.Equal("parameters.p.default", error.Field);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_required_parameter_may_have_a_default()
    {
        var spec = ParseValid("  name:\n    required: true\n    default: world\n").Parameters["name"];
        Assert.True(spec.Required);
        Assert.Equal("world", spec.Default!.Value.GetString());
    }

    [Fact]
    public void A_null_default_means_no_default()
    {
        Assert.Null(ParseValid("  p:\n    type: integer\n    default: ~\n").Parameters["p"].Default);
        Assert.Equal("", ParseValid("  p:\n    default: ''\n").Parameters["p"].Default!.Value.GetString());
    }

    [Theory]
    [InlineData("  1st: {}\n", "parameters.1st")]
    [InlineData("  my-name: {}\n", "parameters.my-name")]
    [InlineData("  class: {}\n", "parameters.class")]
    [InlineData("  p: {type: text}\n", "parameters.p.type")]
    [InlineData("  p: {required: maybe}\n", "parameters.p.required")]
    [InlineData("  p: {requird: true}\n", "parameters.p.requird")]
    [InlineData("  p: [string]\n", "parameters.p")]
    public void Bad_parameter_declarations_name_the_field(string parameters, string field) =>
        Assert.Equal(field, SingleError(parameters).Field);

    [Fact]
    public void An_unknown_type_lists_the_allowed_ones_and_does_not_also_complain_about_the_default()
    {
        var error = SingleError("  p:\n    type: int\n    default: 5\n");
        Assert.Equal("parameters.p.type", error.Field);
        Assert.Contains("string, integer, number, boolean, object, array", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parameters_must_be_a_mapping() =>
        Assert.Equal("parameters", SingleError("  - a\n  - b\n").Field);

    [Fact]
    public void An_alias_bomb_in_a_default_is_refused_not_expanded()
    {
        // Eight levels of ten-fold aliases would expand to 10^8 values: the document's budget refuses it before any default is read.
        var levels = new List<string> { "&a0 [x, x, x, x, x, x, x, x, x, x]" };
        for (var i = 1; i < 8; i++) levels.Add($"&a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10))}]");
        var error = SingleError($"  p:\n    type: array\n    default: [{string.Join(", ", levels)}]\n");
        Assert.Equal("baton.yaml", error.Field);
        Assert.Contains("aliases expand", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_default_larger_than_its_own_budget_is_refused_even_within_the_documents()
    {
        // Four levels (10^4 values, within the document's budget) still pass the default's own node budget.
        var levels = new List<string> { "&a0 [x, x, x, x, x, x, x, x, x, x]" };
        for (var i = 1; i < 4; i++) levels.Add($"&a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10))}]");
        var error = SingleError($"  p:\n    type: array\n    default: [{string.Join(", ", levels)}, *a3]\n");
        Assert.Equal("parameters.p.default", error.Field);
        Assert.Contains("too large", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Quoted_and_tagged_scalars_are_text_in_nested_defaults()
    {
        var spec = ParseValid("  p:\n    type: array\n    default: [!!str 5, \"true\", ~, '~']\n").Parameters["p"];
        Assert.Equal("""["5","true",null,"~"]""", JsonSerializer.Serialize(spec.Default!.Value));
    }
}
