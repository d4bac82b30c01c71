using System.Text.Json;
using Baton.Cli.Inputs;

namespace Baton.Cli.Tests.Unit;

public sealed class JobInputParserTests
{
    [Theory]
    [InlineData("name=Ada", JsonValueKind.String, "\"Ada\"")]
    [InlineData("count=3", JsonValueKind.Number, "3")]
    [InlineData("ratio=-0.5", JsonValueKind.Number, "-0.5")]
    [InlineData("flag=true", JsonValueKind.True, "true")]
    [InlineData("flag=false", JsonValueKind.False, "false")]
    [InlineData("tags=[\"a\",1]", JsonValueKind.Array, "[\"a\",1]")]
    [InlineData("opts={\"x\":1}", JsonValueKind.Object, "{\"x\":1}")]
    [InlineData("id=\"007\"", JsonValueKind.String, "\"007\"")]
    [InlineData("version=1.2.3", JsonValueKind.String, "\"1.2.3\"")]
    [InlineData("draft={not json", JsonValueKind.String, "\"{not json\"")]
    [InlineData("nothing=null", JsonValueKind.String, "\"null\"")]
    [InlineData("empty=", JsonValueKind.String, "\"\"")]
    [InlineData("expr=a=b", JsonValueKind.String, "\"a=b\"")]
    [InlineData("True=True", JsonValueKind.String, "\"True\"")]
    public void A_value_is_json_only_when_it_parses_as_a_json_literal(string pair, JsonValueKind kind, string rawJson)
    {
        var (_, value) = JobInputParser.ParsePair(pair);

        Assert.Equal(kind, value.ValueKind);
        Assert.Equal(rawJson, value.GetRawText());
    }

    [Theory]
    [InlineData("novalue")]
    [InlineData("=value")]
    [InlineData("  =value")]
    public void A_pair_without_a_key_is_a_usage_error(string pair)
    {
        var error = Assert.Throws<UsageException>(() => JobInputParser.Parse([pair]));
        Assert.Contains(pair.Trim(), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Pairs_override_the_inputs_file_and_later_pairs_override_earlier_ones()
    {
        var inputs = JobInputParser.Parse(
            ["name=Grace", "count=1", "count=2"],
            """{ "name": "Ada", "keep": {"nested": true}, "count": 0 }""");

        Assert.Equal("Grace", inputs["name"].GetString());
        Assert.Equal(2, inputs["count"].GetInt32());
        Assert.True(inputs["keep"].GetProperty("nested").GetBoolean());
        Assert.Equal(3, inputs.Count);
    }

    [Theory]
    [InlineData("[1, 2]")]
    [InlineData("\"just a string\"")]
    [InlineData("{ broken")]
    public void An_inputs_file_that_is_not_a_json_object_is_a_usage_error(string content)
    {
        Assert.Throws<UsageException>(() => JobInputParser.Parse([], content));
    }

    [Fact]
    public void A_missing_inputs_file_is_a_usage_error_naming_it()
    {
        var missing = new FileInfo(Path.Combine(Path.GetTempPath(), $"baton-missing-{Guid.NewGuid():N}.json"));

        var error = Assert.Throws<UsageException>(() => JobInputParser.Parse([], missing));

        Assert.Contains(missing.FullName, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_inputs_file_is_read_from_disk()
    {
        var file = Path.Combine(Path.GetTempPath(), $"baton-inputs-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, """{ "seconds": 5 }""");
        try
        {
            var inputs = JobInputParser.Parse(["name=x"], new FileInfo(file));

            Assert.Equal(5, inputs["seconds"].GetInt32());
            Assert.Equal("x", inputs["name"].GetString());
        }
        finally
        {
            File.Delete(file);
        }
    }
}
